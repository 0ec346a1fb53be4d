package fr.relais.sso.inbound;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apereo.cas.client.authentication.AttributePrincipalImpl;
import org.apereo.cas.client.validation.AbstractUrlBasedTicketValidator;
import org.apereo.cas.client.validation.Assertion;
import org.apereo.cas.client.validation.AssertionImpl;
import org.apereo.cas.client.validation.Cas20ServiceTicketValidator;
import org.apereo.cas.client.validation.Cas30ServiceTicketValidator;
import org.apereo.cas.client.validation.TicketValidationException;
import org.springframework.stereotype.Component;

import fr.relais.connector.Connector;
import fr.relais.sso.EntLogin;
import fr.relais.sso.Identity;

/**
 * Relais as a CAS client of an ENT of the {@code cas} family: send the user to {@code <serverUrl>/login}, then
 * validate the returned ticket at the URL the Apereo Java CAS client builds ({@code /p3/serviceValidate} for CAS 3.0,
 * {@code /serviceValidate} for CAS 2.0), whose answer {@link CasServiceResponse} reads.
 */
@Component
public class CasIdentitySource {

    /** The identity source refused or could not confirm the ticket. */
    public static class Refused extends Exception {
        public Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A ticket the ENT confirmed was not given after the renewed authentication Relais asked for. */
    public static class NotFresh extends Refused {
        public NotFresh(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A confirmed ticket: who, and what the ENT said about the authentication. */
    public record Answer(Identity identity, EntLogin login) {
    }

    public String loginUrl(Connector ent, String callback) {
        return loginUrl(ent, callback, false);
    }

    /** @param renew asks the ENT to check the user's credentials again, whatever session it holds (CAS renew) */
    public String loginUrl(Connector ent, String callback, boolean renew) {
        StringBuilder url = new StringBuilder(serverUrl(ent)).append("/login?service=")
                .append(URLEncoder.encode(callback, StandardCharsets.UTF_8));
        if (renew) {
            url.append("&renew=true");
        }
        ent.descriptor().path("sso").path("cas").path("loginParameters").fields().forEachRemaining(p ->
                url.append('&').append(URLEncoder.encode(p.getKey(), StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(p.getValue().asText(), StandardCharsets.UTF_8)));
        return url.toString();
    }

    public Identity validate(Connector ent, String ticket, String callback) throws Refused {
        return validate(ent, ticket, callback, false, Instant.now()).identity();
    }

    /**
     * @param renew       the login asked the ENT for a renewed authentication: the ticket is validated with
     *                    {@code renew=true}, so that the ENT itself refuses one given from its session (CAS protocol
     *                    2.5 / 2.6), and its {@code isFromNewLogin} and {@code authenticationDate} attributes, when
     *                    released, must agree
     * @param requestedAt when the login was sent to the ENT
     */
    public Answer validate(Connector ent, String ticket, String callback, boolean renew, Instant requestedAt)
            throws Refused {
        AbstractUrlBasedTicketValidator validator = cas2(ent) ? new Cas2(serverUrl(ent)) : new Cas3(serverUrl(ent));
        validator.setEncoding("UTF-8");
        validator.setRenew(renew);
        Assertion assertion;
        try {
            assertion = ((Validator) validator).check(ticket, callback);
        } catch (TicketValidationException e) {
            if (renew) {
                throw new NotFresh("l'ENT n'a pas confirmé ce ticket comme issu d'une nouvelle saisie du mot de "
                        + "passe (validation avec renew=true : " + e.getMessage() + ")", e);
            }
            throw new Refused(e.getMessage(), e);
        } catch (Unanswered e) {
            throw new Refused(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new Refused("réponse de l'ENT illisible : " + e.getMessage(), e);
        }
        Map<String, List<String>> attributes = Identity.attributesOf(assertion.getPrincipal().getAttributes());
        attributes.put("user", List.of(assertion.getPrincipal().getName()));
        Identity identity = new Identity(ent.id(), assertion.getPrincipal().getName(), attributes);
        Instant authenticated = authenticationDate(identity.first("authenticationDate"));
        EntLogin login = new EntLogin(ticket, null, authenticated == null ? Instant.now() : authenticated);
        if (renew) {
            if ("false".equalsIgnoreCase(identity.first("isFromNewLogin"))) {
                throw new NotFresh("l'ENT indique que ce ticket ne vient pas d'une nouvelle saisie du mot de passe "
                        + "(isFromNewLogin=false) alors que renew=true était demandé", null);
            }
            if (authenticated != null) {
                var stale = login.notFreshFor(requestedAt);
                if (stale.isPresent()) {
                    throw new NotFresh(stale.get(), null);
                }
            }
        }
        return new Answer(identity, login);
    }

    /** The ENT did not give an answer to read: unreachable, too slow, or an HTTP error (a French message). */
    private static final class Unanswered extends RuntimeException {
        Unanswered(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static boolean cas2(Connector ent) {
        return "2.0".equals(ent.descriptor().path("sso").path("cas").path("version").asText("3.0"));
    }

    /** What validate asks of the two validators. */
    private interface Validator {
        Assertion check(String ticket, String service) throws TicketValidationException;
    }

    /**
     * The Apereo client's validators build the validation URL and its parameters; the request goes through Relais'
     * pooled client ({@link #fetch}), and the answer is read once with {@link CasServiceResponse} instead of five
     * times.
     */
    private static final class Cas3 extends Cas30ServiceTicketValidator implements Validator {
        Cas3(String serverUrl) {
            super(serverUrl);
        }

        @Override
        public Assertion check(String ticket, String service) throws TicketValidationException {
            return parseResponseFromServer(fetch(constructValidationUrl(ticket, service)));
        }

        @Override
        protected Assertion parseResponseFromServer(String response) throws TicketValidationException {
            return assertion(CasServiceResponse.parse(response, true));
        }
    }

    /** CAS 2.0: the same, without the inlined {@code <cas:attribute>} form, which CAS 2.0 validators ignore. */
    private static final class Cas2 extends Cas20ServiceTicketValidator implements Validator {
        Cas2(String serverUrl) {
            super(serverUrl);
        }

        @Override
        public Assertion check(String ticket, String service) throws TicketValidationException {
            return parseResponseFromServer(fetch(constructValidationUrl(ticket, service)));
        }

        @Override
        protected Assertion parseResponseFromServer(String response) throws TicketValidationException {
            return assertion(CasServiceResponse.parse(response, false));
        }
    }

    /** How long Relais waits for the ENT's answer to a ticket validation (the user waits meanwhile). */
    static final java.time.Duration VALIDATION_TIMEOUT = java.time.Duration.ofSeconds(10);

    /**
     * The ENT's answer to a validation URL, over a pooled, kept-alive connection, waited for 10 s at most (the
     * Apereo client's request had no timeout: an ENT that never answered held the user's request for good). A
     * status other than 200 and an ENT that does not answer are refusals, in French ({@code validate} reports them).
     */
    private static String fetch(String url) {
        fr.relais.platform.PooledHttp.Answer answer;
        try {
            answer = fr.relais.platform.PooledHttp.get(url, VALIDATION_TIMEOUT);
        } catch (java.io.IOException e) {
            throw new Unanswered("ENT injoignable (" + fr.relais.platform.PooledHttp.unreachable(e) + ")", e);
        }
        if (answer.status() != 200) {
            throw new Unanswered("l'ENT a répondu HTTP " + answer.status() + " à la validation du ticket", null);
        }
        return answer.body();
    }

    /** The ENT's validation URL of this descriptor's CAS version. */
    static String validationUrl(Connector ent) {
        return serverUrl(ent) + (cas2(ent) ? "/serviceValidate" : "/p3/serviceValidate");
    }

    private static Assertion assertion(CasServiceResponse answer) {
        return new AssertionImpl(new AttributePrincipalImpl(answer.user(), new LinkedHashMap<>(answer.attributes())));
    }

    private static final java.util.regex.Pattern ZONE_ID = java.util.regex.Pattern.compile("\\[.*]$");

    /** CAS 3.0 servers release it in ISO-8601 (Apereo: a zoned date-time, sometimes with its zone id). */
    private static Instant authenticationDate(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return java.time.ZonedDateTime.parse(ZONE_ID.matcher(value).replaceAll("")).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Where to send the browser so that the ENT ends its own session (CAS protocol 2.3 {@code /logout}), then
     * comes back to {@code back}: {@code sso.cas.logoutUrl} when the ENT's differs, else {@code <serverUrl>/logout}.
     */
    public String logoutUrl(Connector ent, String back) {
        String logout = ent.descriptor().path("sso").path("cas").path("logoutUrl").asText("");
        if (logout.isBlank()) {
            logout = serverUrl(ent) + "/logout";
        }
        return logout + (logout.contains("?") ? "&" : "?") + "service=" + URLEncoder.encode(back, StandardCharsets.UTF_8);
    }

    static String serverUrl(Connector ent) {
        return ent.descriptor().path("sso").path("cas").path("serverUrl").asText().replaceAll("/+$", "");
    }
}
