package fr.relais.classlog.tools;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import fr.relais.classlog.ToolException;
import fr.relais.connector.Connector;

/**
 * HTTP for class-log clients, with the engine's error classes: no answer, a timeout, 5xx or 429 make the tool
 * {@linkplain ToolException#unavailable unavailable}; another 4xx is a {@linkplain ToolException#refused refusal}
 * of what was sent, with the tool's answer in the message.
 */
public final class ToolHttp {

    public static final ObjectMapper JSON = new ObjectMapper();
    /**
     * HTTP/1.1 (no h2c upgrade offer to tools that all speak 1.1), and the client's own work done on its selector
     * thread rather than handed to a pool: a synchronous call then costs two thread switches less (the client's
     * threads went from 0.55 to 0.30 ms of CPU per entry in the class-log benchmark). Bodies are read whole into
     * strings: nothing the client runs on that thread blocks.
     */
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
            .version(HttpClient.Version.HTTP_1_1).executor(Runnable::run).build();
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private ToolHttp() {
    }

    /** The descriptor's {@code classlog.baseUrl}, without a trailing slash. */
    public static String baseUrl(Connector tool) {
        return tool.descriptor().path("classlog").path("baseUrl").asText().replaceAll("/+$", "");
    }

    public static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
    }

    public static HttpRequest.BodyPublisher json(Object body) {
        try {
            return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Sends, and answers the response of any status below 400 (and 404 when {@code notFoundIsAnswer}). */
    public static HttpResponse<String> send(Connector tool, HttpRequest request, boolean notFoundIsAnswer)
            throws ToolException {
        return check(tool, request, exchange(tool, request), notFoundIsAnswer, body -> body);
    }

    /** Sends, and answers the response whatever its status: only no answer at all makes the tool unavailable. */
    public static HttpResponse<String> exchange(Connector tool, HttpRequest request) throws ToolException {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw ToolException.unavailable(tool.id() + " injoignable à " + request.uri().getScheme() + "://"
                    + request.uri().getAuthority() + " (" + unreachable(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ToolException.unavailable(tool.id() + " : appel interrompu", e);
        }
    }

    /** Why no answer came, in French, without the Java class names of the exception (its message may be empty). */
    public static String unreachable(IOException e) {
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return "délai de connexion dépassé";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "délai de réponse dépassé";
        }
        if (e instanceof java.net.ConnectException) {
            return "connexion refusée";
        }
        if (e instanceof java.net.UnknownHostException) {
            return "hôte inconnu";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "échec TLS : " + e.getMessage();
        }
        return e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : "connexion interrompue";
    }

    /**
     * The engine's error classes for a response's status; {@code reason} reads the tool's explanation from an
     * error body (the body itself when the tool has no error format).
     */
    public static HttpResponse<String> check(Connector tool, HttpRequest request, HttpResponse<String> r,
                                             boolean notFoundIsAnswer, Function<String, String> reason)
            throws ToolException {
        int status = r.statusCode();
        if (status >= 500 || status == 429 || status == 408) {
            throw ToolException.unavailable(tool.id() + " indisponible : HTTP " + status, null);
        }
        if (status >= 400 && !(status == 404 && notFoundIsAnswer)) {
            String body = reason.apply(r.body() == null ? "" : r.body());
            String message = tool.id() + " a refusé " + request.method() + " " + request.uri().getPath() + " : HTTP "
                    + status + " " + body.substring(0, Math.min(500, body.length()));
            throw status == 404 ? ToolException.notFound(message) : ToolException.refused(message);
        }
        return r;
    }

    /** A form body ({@code application/x-www-form-urlencoded}). */
    public static HttpRequest.BodyPublisher form(Map<String, String> fields) {
        return HttpRequest.BodyPublishers.ofString(fields.entrySet().stream()
                .map(f -> URLEncoder.encode(f.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(f.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&")));
    }

    public static JsonNode read(Connector tool, HttpResponse<String> r) throws ToolException {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw ToolException.refused(tool.id() + " a répondu autre chose que du JSON : " + e.getMessage());
        }
    }
}
