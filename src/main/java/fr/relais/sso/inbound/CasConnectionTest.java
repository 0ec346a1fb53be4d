package fr.relais.sso.inbound;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectionTest;
import fr.relais.connector.Connector;
import fr.relais.platform.PooledHttp;
import fr.relais.sso.SsoProperties;

/**
 * The {@code cas} family's test: the ENT's login page answers for Relais' callback, and its validation endpoint
 * (of the descriptor's CAS version) answers a made-up ticket with a CAS refusal, which proves it speaks CAS there.
 */
@Component
class CasConnectionTest implements ConnectionTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final SsoProperties properties;

    CasConnectionTest(SsoProperties properties) {
        this.properties = properties;
    }

    @Override
    public Set<String> families() {
        return Set.of("cas");
    }

    @Override
    public List<Check> run(Connector ent) {
        List<Check> checks = new ArrayList<>();
        String callback = URLEncoder.encode(properties.baseUrl() + fr.relais.sso.SsoController.CAS_CALLBACK + ent.id(), StandardCharsets.UTF_8);
        String login = CasIdentitySource.serverUrl(ent) + "/login?service=" + callback;
        try {
            long start = System.nanoTime();
            PooledHttp.Answer answer = PooledHttp.get(login, TIMEOUT);
            long ms = (System.nanoTime() - start) / 1_000_000;
            checks.add(answer.status() == 200 || answer.status() == 302
                    ? Check.ok("page de connexion", "HTTP " + answer.status() + " en " + ms + " ms (" + strip(login) + ")")
                    : Check.echec("page de connexion", "HTTP " + answer.status() + " sur " + strip(login)));
        } catch (java.io.IOException e) {
            checks.add(Check.echec("page de connexion", "injoignable à " + strip(login) + " (" + PooledHttp.unreachable(e) + ")"));
            return checks;
        }
        String validate = CasIdentitySource.validationUrl(ent) + "?ticket=ST-test-de-connexion-relais&service=" + callback;
        try {
            PooledHttp.Answer answer = PooledHttp.get(validate, TIMEOUT);
            if (answer.status() == 200 && answer.body().contains("serviceResponse")
                    && answer.body().contains("authenticationFailure")) {
                String code = answer.body().replaceAll("(?s).*authenticationFailure[^>]*code=\"([^\"]*)\".*", "$1");
                checks.add(Check.ok("validation des tickets", "répond en CAS : ticket de test refusé ("
                        + (code.length() < 40 ? code : "sans code") + ") sur " + strip(validate)));
            } else {
                checks.add(Check.echec("validation des tickets", "HTTP " + answer.status() + " sans réponse CAS sur "
                        + strip(validate) + " (version CAS du descripteur : "
                        + ent.descriptor().path("sso").path("cas").path("version").asText("3.0") + ")"));
            }
        } catch (java.io.IOException e) {
            checks.add(Check.echec("validation des tickets", "injoignable à " + strip(validate) + " ("
                    + PooledHttp.unreachable(e) + ")"));
        }
        return checks;
    }

    private static String strip(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }
}
