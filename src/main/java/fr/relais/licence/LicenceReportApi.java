package fr.relais.licence;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import fr.relais.connector.Connector;

@io.swagger.v3.oas.annotations.tags.Tag(name = "Licences", description = "Affectations de ressources par les établissements, abonnements arrivant à échéance, lancements comptés")
@RestController
class LicenceReportApi {

    private final LicenceReports reports;
    private final PublisherAuthenticator authenticator;

    LicenceReportApi(LicenceReports reports, PublisherAuthenticator authenticator) {
        this.reports = reports;
        this.authenticator = authenticator;
    }

    /** For a publisher: the use of its own subscriptions, GAR's CSV. */
    @GetMapping(value = "${relais.licence.subscription-path:/gar/abonnement}/comptages.csv")
    ResponseEntity<String> usage(HttpServletRequest request) {
        PublisherAuthenticator.Outcome who = authenticator.authenticate(request);
        if (who instanceof PublisherAuthenticator.Refused refused) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).contentType(MediaType.TEXT_PLAIN)
                    .body(refused.reason() + "\n");
        }
        return ResponseEntity.ok().contentType(new MediaType("text", "csv", java.nio.charset.StandardCharsets.UTF_8))
                .body(reports.usageCsv(((PublisherAuthenticator.Known) who).publisher().id()));
    }

    /** For administrators: subscriptions ending within the warning window. */
    @GetMapping("/api/licences/expiring")
    List<LicenceReports.Expiring> expiring() {
        return reports.expiring(Instant.now());
    }

    /** For territories: launches per school and per resource type, never per publisher. */
    @GetMapping("/api/licences/launches")
    Map<String, Object> launches() {
        return reports.launches();
    }
}
