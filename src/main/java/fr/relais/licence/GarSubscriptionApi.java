package fr.relais.licence;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import fr.relais.audit.AuditTrail;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.directory.Directory;

/**
 * The subscription web service publishers already speak with GAR: the same calls, documents and answers.
 * A publisher is authenticated by its API key (header {@code X-Relais-Api-Key}, from its connector's
 * {@code licence.apiKey}; for development, off unless {@code relais.licence.api-keys-enabled}) and sees and
 * changes only its own subscriptions: another's is 404, never its data.
 */
@RestController
@RequestMapping("${relais.licence.subscription-path:/gar/abonnement}")
public class GarSubscriptionApi {

    static final int MAX_BODY = 64 * 1024;
    static final MediaType XML = MediaType.APPLICATION_XML;

    private final Subscriptions subscriptions;
    private final ConnectorRegistry registry;
    private final Directory directory;
    private final AuditTrail audit;
    private final PublisherAuthenticator authenticator;

    public GarSubscriptionApi(Subscriptions subscriptions, ConnectorRegistry registry, Directory directory,
                              AuditTrail audit, PublisherAuthenticator authenticator) {
        this.subscriptions = subscriptions;
        this.registry = registry;
        this.directory = directory;
        this.audit = audit;
        this.authenticator = authenticator;
    }

    @PutMapping("/{id}")
    public ResponseEntity<String> create(@PathVariable String id, HttpServletRequest request) {
        return withPublisher(request, publisher -> {
            Map<String, List<String>> fields = SubscriptionXml.read(body(request), "abonnement");
            var outcome = SubscriptionValidator.validate(fields, publisher.id(), id, distributor(publisher), true, null,
                    uai -> directory.structure(uai).isPresent());
            if (outcome instanceof SubscriptionValidator.Invalid invalid) {
                return errors(HttpStatus.BAD_REQUEST, invalid.faults());
            }
            Subscription s = ((SubscriptionValidator.Valid) outcome).subscription();
            if (!subscriptions.create(s)) {
                return errors(HttpStatus.CONFLICT, List.of(new SubscriptionValidator.Fault("idAbonnement", "existe-deja",
                        "l'abonnement " + id + " existe déjà : mettez-le à jour avec POST")));
            }
            audit.record("licence.subscription.created", publisher.id(), null, null, null, AuditTrail.Outcome.DONE,
                    id + " : " + s.resourceId() + " pour " + String.join(",", s.schools()));
            return ResponseEntity.status(HttpStatus.CREATED).contentType(XML).body(SubscriptionXml.write(s));
        });
    }

    @PostMapping("/{id}")
    public ResponseEntity<String> update(@PathVariable String id, HttpServletRequest request) {
        return withPublisher(request, publisher -> {
            Optional<Subscription> existing = subscriptions.find(publisher.id(), id);
            if (existing.isEmpty()) {
                return notFound(id);
            }
            Map<String, List<String>> fields = SubscriptionXml.read(body(request), "abonnement");
            var outcome = SubscriptionValidator.validate(fields, publisher.id(), id, distributor(publisher), false,
                    existing.get(), uai -> directory.structure(uai).isPresent());
            if (outcome instanceof SubscriptionValidator.Invalid invalid) {
                return errors(HttpStatus.BAD_REQUEST, invalid.faults());
            }
            Subscription s = ((SubscriptionValidator.Valid) outcome).subscription();
            subscriptions.update(s);
            audit.record("licence.subscription.updated", publisher.id(), null, null, null, AuditTrail.Outcome.DONE, id);
            return ResponseEntity.ok().contentType(XML).body(SubscriptionXml.write(s));
        });
    }

    @DeleteMapping("/{id}")
    public ResponseEntity<String> delete(@PathVariable String id, HttpServletRequest request) {
        return withPublisher(request, publisher -> {
            if (!subscriptions.delete(publisher.id(), id)) {
                return notFound(id);
            }
            audit.record("licence.subscription.deleted", publisher.id(), null, null, null, AuditTrail.Outcome.DONE, id);
            return ResponseEntity.noContent().build();
        });
    }

    @GetMapping("/abonnements")
    public ResponseEntity<String> list(HttpServletRequest request) {
        return withPublisher(request, publisher -> {
            Map<String, List<String>> filters = SubscriptionXml.filters(body(request));
            List<Subscription> found;
            try {
                found = subscriptions.list(publisher.id(), filters);
            } catch (IllegalArgumentException e) {
                return errors(HttpStatus.BAD_REQUEST, List.of(new SubscriptionValidator.Fault("filtreNom",
                        "filtre-connu", e.getMessage())));
            }
            StringBuilder b = new StringBuilder("<abonnements xmlns=\"").append(SubscriptionXml.NS).append("\">");
            found.forEach(s -> b.append(SubscriptionXml.write(s).replace(" xmlns=\"" + SubscriptionXml.NS + "\"", "")));
            return ResponseEntity.ok().contentType(XML).body(b.append("</abonnements>").toString());
        });
    }

    @GetMapping("/etablissements/etablissements.xml")
    public ResponseEntity<String> schools(HttpServletRequest request) {
        return withPublisher(request, publisher -> {
            StringBuilder b = new StringBuilder("<etablissements>");
            for (var s : directory.structures()) {
                b.append("<etablissement>");
                SubscriptionXml.tag(b, "uai", s.uai());
                SubscriptionXml.tag(b, "nature_uai", s.type());
                SubscriptionXml.tag(b, "type_uai", s.type());
                SubscriptionXml.tag(b, "nom", s.name());
                b.append("</etablissement>");
            }
            return ResponseEntity.ok().contentType(XML).body(b.append("</etablissements>").toString());
        });
    }

    interface Call {
        ResponseEntity<String> run(Connector publisher) throws SubscriptionXml.Unreadable, TooLarge;
    }

    static class TooLarge extends Exception {
    }

    private ResponseEntity<String> withPublisher(HttpServletRequest request, Call call) {
        PublisherAuthenticator.Outcome who = authenticator.authenticate(request);
        if (who instanceof PublisherAuthenticator.Refused refused) {
            return errors(HttpStatus.UNAUTHORIZED, List.of(new SubscriptionValidator.Fault("", "authentification",
                    refused.reason())));
        }
        try {
            return call.run(((PublisherAuthenticator.Known) who).publisher());
        } catch (SubscriptionXml.Unreadable e) {
            return errors(HttpStatus.BAD_REQUEST, List.of(new SubscriptionValidator.Fault("", "xml", e.getMessage())));
        } catch (TooLarge e) {
            return errors(HttpStatus.PAYLOAD_TOO_LARGE, List.of(new SubscriptionValidator.Fault("", "taille",
                    "document de plus de " + MAX_BODY / 1024 + " Kio refusé")));
        }
    }

    private static String distributor(Connector publisher) {
        return publisher.descriptor().path("distributorId").asText();
    }

    private static byte[] body(HttpServletRequest request) throws TooLarge, SubscriptionXml.Unreadable {
        String type = request.getContentType();
        if (("PUT".equals(request.getMethod()) || "POST".equals(request.getMethod()))
                && (type == null || !(type.startsWith("application/xml") || type.startsWith("text/xml")))) {
            throw new SubscriptionXml.Unreadable("Content-Type '" + type + "' : un document XML (application/xml) est attendu");
        }
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                throw new TooLarge();
            }
            return body;
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static ResponseEntity<String> notFound(String id) {
        return errors(HttpStatus.NOT_FOUND, List.of(new SubscriptionValidator.Fault("idAbonnement", "inconnu",
                "aucun abonnement " + id + " pour ce distributeur")));
    }

    static ResponseEntity<String> errors(HttpStatus status, List<SubscriptionValidator.Fault> faults) {
        StringBuilder b = new StringBuilder("<erreurs xmlns=\"").append(SubscriptionXml.NS).append("\">");
        for (var f : faults) {
            b.append("<erreur>");
            SubscriptionXml.tag(b, "champ", f.field());
            SubscriptionXml.tag(b, "regle", f.rule());
            SubscriptionXml.tag(b, "message", f.message());
            b.append("</erreur>");
        }
        return ResponseEntity.status(status).contentType(XML).body(b.append("</erreurs>").toString());
    }
}
