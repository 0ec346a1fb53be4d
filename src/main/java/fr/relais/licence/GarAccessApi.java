package fr.relais.licence;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import fr.relais.connector.Capability;
import fr.relais.connector.Connector;
import fr.relais.connector.ConnectorRegistry;
import fr.relais.directory.Directory;
import fr.relais.directory.Membership;
import fr.relais.directory.Person;
import fr.relais.platform.ApiError;

/**
 * Decisions outside a launch: the publishers' check API (by the pseudonymous id they received) and the
 * médiacentre's list of the resources a person holds, in GAR's JSON shape. Looking never takes a licence.
 */
@io.swagger.v3.oas.annotations.tags.Tag(name = "Vérification des éditeurs", description = "Décision d'accès pour une personne pseudonyme (TLS mutuel) et médiacentre")
@RestController
public class GarAccessApi {

    private final PublisherAuthenticator authenticator;
    private final Pseudonyms pseudonyms;
    private final Directory directory;
    private final SubscriptionDecisions decisions;
    private final Subscriptions subscriptions;
    private final ConnectorRegistry registry;
    private final Mediacentre mediacentre;

    public GarAccessApi(PublisherAuthenticator authenticator, Pseudonyms pseudonyms, Directory directory,
                        SubscriptionDecisions decisions, Subscriptions subscriptions, ConnectorRegistry registry,
                        Mediacentre mediacentre) {
        this.mediacentre = mediacentre;
        this.authenticator = authenticator;
        this.pseudonyms = pseudonyms;
        this.directory = directory;
        this.decisions = decisions;
        this.subscriptions = subscriptions;
        this.registry = registry;
    }

    /** {@code GET /gar/entitlements?ido=&idRessource=&uai=}: may this pseudonymous person use this resource here? */
    /** The check API's answer; {@code valideJusquau} when allowed, {@code motif} when refused. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record Check(String ido, String idRessource, String uai, String decision, String valideJusquau,
                        String motif) {
    }

    @io.swagger.v3.oas.annotations.Operation(summary = "Une personne pseudonyme peut-elle utiliser cette ressource ici ?",
            description = "Appelée par le distributeur, authentifié par son certificat client (TLS mutuel). Réponse "
                    + "« autorise » avec la fin de validité, ou « refuse » avec le motif (NO_SUBSCRIPTION, EXPIRED, "
                    + "NOT_YET_VALID, AUDIENCE_NOT_COVERED, NO_LICENCE_LEFT, NOT_ASSIGNED, NOT_IN_SCHOOL, "
                    + "PUBLISHER_POLICY, NOT_IN_DIRECTORY, OUTSIDE_SOURCE_TERRITORY).",
            parameters = {
                    @io.swagger.v3.oas.annotations.Parameter(name = "ido", in = io.swagger.v3.oas.annotations.enums
                            .ParameterIn.QUERY, required = true, description = "l'identifiant pseudonyme (IDO) que "
                            + "Relais a transmis à ce distributeur"),
                    @io.swagger.v3.oas.annotations.Parameter(name = "idRessource", in = io.swagger.v3.oas.annotations
                            .enums.ParameterIn.QUERY, required = true, description = "l'identifiant de la ressource "
                            + "(ark:/...)"),
                    @io.swagger.v3.oas.annotations.Parameter(name = "uai", in = io.swagger.v3.oas.annotations.enums
                            .ParameterIn.QUERY, required = true, description = "l'UAI de l'établissement")},
            responses = {
                    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200", description = "la "
                            + "décision", content = @io.swagger.v3.oas.annotations.media.Content(schema =
                            @io.swagger.v3.oas.annotations.media.Schema(implementation = Check.class))),
                    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "400", description =
                            "paramètre obligatoire absent"),
                    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "401", description =
                            "certificat client absent ou inconnu"),
                    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "404", description =
                            "identifiant IDO inconnu pour ce distributeur")})
    @GetMapping(value = "/gar/entitlements", produces = org.springframework.http.MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Object> check(HttpServletRequest request)
            throws org.springframework.web.bind.MissingServletRequestParameterException {
        // read from the request rather than bound: Spring's conversion of three String parameters was about 6 % of
        // the CPU of a check round (annotation comparisons in its converter cache); a missing one still gets a 400
        String ido = parameter(request, "ido");
        String idRessource = parameter(request, "idRessource");
        String uai = parameter(request, "uai");
        PublisherAuthenticator.Outcome who = authenticator.authenticate(request);
        if (who instanceof PublisherAuthenticator.Refused refused) {
            return error(HttpStatus.UNAUTHORIZED, refused.reason(), request);
        }
        Optional<Connector> publisher = Optional.of(((PublisherAuthenticator.Known) who).publisher());
        Optional<Membership> person = pseudonyms.person(publisher.get().id(), ido).flatMap(directory::membership);
        if (person.isEmpty()) {
            return error(HttpStatus.NOT_FOUND, "identifiant IDO inconnu pour ce distributeur", request);
        }
        Membership p = person.get();
        EntitlementDecision d = decisions.decide(p.jointure(), p.profiles(), p.schools(), uai, publisher.get().id(),
                idRessource, Instant.now(), false);
        return ResponseEntity.ok(d instanceof EntitlementDecision.Allowed allowed
                ? new Check(ido, idRessource, uai, "autorise", allowed.validUntil().toString(), null)
                : new Check(ido, idRessource, uai, "refuse", null, ((EntitlementDecision.Denied) d).reason().name()));
    }

    private static String parameter(HttpServletRequest request, String name)
            throws org.springframework.web.bind.MissingServletRequestParameterException {
        String value = request.getParameter(name);
        if (value == null) {
            throw new org.springframework.web.bind.MissingServletRequestParameterException(name, "String") {
                @Override
                public String getMessage() {
                    return "paramètre obligatoire absent : " + name;
                }
            };
        }
        return value;
    }

    /** The médiacentre's list: {@code GET /gar/ressources/{idENT}/{UAI}/{personId}}, for the administrator's API client. */
    @GetMapping("/gar/ressources/{idEnt}/{uai}/{personId}")
    public ResponseEntity<Object> resources(@PathVariable String idEnt, @PathVariable String uai,
                                            @PathVariable String personId, HttpServletRequest request) {
        Optional<Person> person = directory.person(personId);
        if (person.isEmpty()) {
            return error(HttpStatus.NOT_FOUND, "personne inconnue de l'annuaire", request);
        }
        List<Map<String, Object>> resources = mediacentre.resources(person.get(), uai);
        return ResponseEntity.ok(Map.of("listeRessources", Map.of("ressource", resources)));
    }

    private static ResponseEntity<Object> error(HttpStatus status, String message, HttpServletRequest request) {
        return ResponseEntity.status(status).body(ApiError.of(status.value(), status.getReasonPhrase(), message,
                request.getRequestURI()));
    }
}
