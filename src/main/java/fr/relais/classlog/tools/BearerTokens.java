package fr.relais.classlog.tools;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;

import fr.relais.classlog.ToolException;
import fr.relais.connector.Connector;

/**
 * OIDC access tokens by client_credentials for a tool's API: {@code classlog.tokenUrl}, {@code classlog.clientId},
 * {@code classlog.clientSecret} (client_secret_basic), each token kept until 30 s before it expires. Kept per
 * endpoint and credentials, so that a descriptor whose secret changes never reuses the old client's token.
 */
final class BearerTokens {

    private record Client(String tokenUrl, String id, String secret) {
    }

    private record Token(String value, Instant renewAfter) {
    }

    private final Map<Client, Token> tokens = new ConcurrentHashMap<>();

    /** The cached token, or a new one when there is none, it is about to expire, or {@code renew} (after a 401). */
    String token(Connector tool, boolean renew) throws ToolException {
        Client client = new Client(field(tool, "tokenUrl"), field(tool, "clientId"), field(tool, "clientSecret"));
        Token cached = tokens.get(client);
        if (!renew && cached != null && Instant.now().isBefore(cached.renewAfter())) {
            return cached.value();
        }
        if (client.id().isBlank() || client.secret().isBlank()) {
            throw ToolException.unavailable(tool.id() + " : classlog.clientId et classlog.clientSecret sont nécessaires "
                    + "pour obtenir un jeton de " + client.tokenUrl() + " (le secret se donne par propriété ou variable "
                    + "d'environnement)", null);
        }
        String basic = Base64.getEncoder().encodeToString((URLEncoder.encode(client.id(), StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(client.secret(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = ToolHttp.request(client.tokenUrl()).header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(ToolHttp.form(Map.of("grant_type", "client_credentials"))).build();
        HttpResponse<String> r = ToolHttp.exchange(tool, request);
        if (r.statusCode() == 400 || r.statusCode() == 401) {
            JsonNode error = ToolHttp.read(tool, r);
            throw ToolException.unavailable(tool.id() + " : " + client.tokenUrl() + " refuse les identifiants du client '"
                    + client.id() + "' (" + error.path("error").asText() + " : " + error.path("error_description").asText()
                    + ") : vérifier classlog.clientId et classlog.clientSecret du descripteur", null);
        }
        try {
            ToolHttp.check(tool, request, r, false, body -> body);
        } catch (ToolException e) {
            throw ToolException.unavailable("pas de jeton pour " + e.getMessage(), e);
        }
        JsonNode answer = ToolHttp.read(tool, r);
        String value = answer.path("access_token").asText("");
        if (value.isBlank()) {
            throw ToolException.unavailable(tool.id() + " : " + client.tokenUrl() + " a répondu sans access_token", null);
        }
        long lifetime = answer.path("expires_in").asLong(300);
        tokens.put(client, new Token(value, Instant.now().plusSeconds(Math.max(0, lifetime - 30))));
        return value;
    }

    static String field(Connector tool, String name) {
        return tool.descriptor().path("classlog").path(name).asText("");
    }
}
