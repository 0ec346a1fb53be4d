package fr.relais.licence;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import fr.relais.connector.Capability;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.directory.Person;

/**
 * The resources a person holds in a school, as the ENT's médiacentre lists them (GAR's {@code ressource}
 * shape), each with Relais' launch link. Looking never takes a licence.
 */
@Component
public class Mediacentre {

    private final ConnectorRegistry registry;
    private final Subscriptions subscriptions;
    private final SubscriptionDecisions decisions;
    private final String baseUrl;

    public Mediacentre(ConnectorRegistry registry, Subscriptions subscriptions, SubscriptionDecisions decisions,
                       @Value("${relais.sso.base-url}") String baseUrl) {
        this.registry = registry;
        this.subscriptions = subscriptions;
        this.decisions = decisions;
        this.baseUrl = baseUrl.replaceAll("/+$", "");
    }

    public List<Map<String, Object>> resources(Person p, String uai) {
        List<Map<String, Object>> resources = new ArrayList<>();
        Instant now = Instant.now();
        for (Connector publisher : registry.offering(Capability.LICENCE_FEED)) {
            for (Subscription s : subscriptions.forSchool(publisher.id(), uai, null)) {
                if (resources.stream().anyMatch(r -> r.get("idRessource").equals(s.resourceId())
                        && r.get("idEditeur").equals(publisher.id()))) {
                    continue;
                }
                EntitlementDecision d = decisions.decide(p.jointure(), p.profiles(), p.schools(), uai, publisher.id(),
                        s.resourceId(), now, false);
                if (d instanceof EntitlementDecision.Allowed) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("idRessource", s.resourceId());
                    r.put("idType", s.resourceIdType());
                    r.put("nomRessource", s.resourceLabel());
                    r.put("idEditeur", publisher.id());
                    r.put("nomEditeur", publisher.name());
                    r.put("urlVignette", null);
                    r.put("urlAccesRessource", baseUrl + "/launch/" + publisher.id() + "?resource="
                            + URLEncoder.encode(s.resourceId(), StandardCharsets.UTF_8) + "&uai=" + uai);
                    r.put("typePresentation", Map.of("code", "MAN", "nom", "manuel numérique"));
                    r.put("typologieDocument", List.of());
                    r.put("niveauEducatif", List.of());
                    r.put("domaineEnseignement", List.of());
                    r.put("typePedagogique", List.of());
                    r.put("distributeurTech", publisher.descriptor().path("distributorId").asText());
                    r.put("validateurTech", "Relais");
                    resources.add(r);
                }
            }
        }
        return resources;
    }
}
