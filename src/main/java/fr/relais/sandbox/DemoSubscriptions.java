package fr.relais.sandbox;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Profile;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The demo's publisher CNS buys, through the GAR subscription web service like any publisher, a school-wide
 * subscription to its maths textbook for each demo school, once the demo directory knows the schools.
 * KNE buys nothing: its launches show the refusal page.
 */
@Component
@Profile("demo")
@ConditionalOnProperty(name = "relais.sandbox.demo-subscriptions", havingValue = "true")
public class DemoSubscriptions {

    static final List<String> SCHOOLS = List.of("0690100J", "0690107S", "0690114Z");
    private static final Logger log = LoggerFactory.getLogger(DemoSubscriptions.class);

    private final String base;
    private final String key;
    private final HttpClient http = HttpClient.newHttpClient();

    public DemoSubscriptions(@Value("${relais.sso.base-url}") String baseUrl,
                             @Value("${relais.licence.api-keys.cns:}") String key) {
        this.base = baseUrl.replaceAll("/+$", "") + "/gar/abonnement";
        this.key = key;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void subscribeWhenSchoolsExist() {
        Thread t = new Thread(() -> {
            for (int attempt = 0; attempt < 120; attempt++) {
                try {
                    String schools = send("GET", "/etablissements/etablissements.xml", null).body();
                    if (SCHOOLS.stream().allMatch(schools::contains)) {
                        for (String uai : SCHOOLS) {
                            int status = send("PUT", "/ABO-DEMO-CNS-" + uai, document(uai)).statusCode();
                            log.info("Démo : abonnement CNS pour {} : HTTP {}", uai, status);
                        }
                        return;
                    }
                    Thread.sleep(5000);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    log.debug("Démo : abonnements pas encore créés ({})", e.toString());
                }
            }
        }, "demo-subscriptions");
        t.setDaemon(true);
        t.start();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("X-Relais-Api-Key", key)
                .header("Content-Type", "application/xml").method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String document(String uai) {
        return "<abonnement xmlns=\"http://www.atosworldline.com/wsabonnement/v1.0/\"><idAbonnement>ABO-DEMO-CNS-" + uai
                + "</idAbonnement><idDistributeurCom>CNS_DISTRIBUTEUR</idDistributeurCom>"
                + "<idRessource>ark:/86527/manuel-maths</idRessource><typeIdRessource>ark</typeIdRessource>"
                + "<libelleRessource>Manuel de mathématiques (démonstration)</libelleRessource>"
                + "<debutValidite>2026-01-01T00:00:00</debutValidite><finValidite>2030-08-31T23:59:59</finValidite>"
                + "<uaiEtab>" + uai + "</uaiEtab><categorieAffectation>transferable</categorieAffectation>"
                + "<typeAffectation>ETABL</typeAffectation><publicCible>ELEVE</publicCible>"
                + "<publicCible>ENSEIGNANT</publicCible><publicCible>DOCUMENTALISTE</publicCible></abonnement>";
    }
}
