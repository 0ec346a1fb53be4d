package fr.relais.sso.inbound;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.apereo.cas.client.validation.AbstractUrlBasedTicketValidator;
import org.apereo.cas.client.validation.Assertion;
import org.apereo.cas.client.validation.Cas20ServiceTicketValidator;
import org.apereo.cas.client.validation.Cas30ServiceTicketValidator;
import org.apereo.cas.client.validation.TicketValidationException;
import org.springframework.stereotype.Component;

import fr.relais.connector.Connector;
import fr.relais.sso.Identity;

/**
 * Relais as a CAS client of an ENT of the {@code cas} family: send the user to {@code <serverUrl>/login}, then
 * validate the returned ticket with the Apereo Java CAS client ({@code /p3/serviceValidate} for CAS 3.0,
 * {@code /serviceValidate} for CAS 2.0).
 */
@Component
public class CasIdentitySource {

    /** The identity source refused or could not confirm the ticket. */
    public static class Refused extends Exception {
        public Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public String loginUrl(Connector ent, String callback) {
        StringBuilder url = new StringBuilder(serverUrl(ent)).append("/login?service=")
                .append(URLEncoder.encode(callback, StandardCharsets.UTF_8));
        ent.descriptor().path("sso").path("cas").path("loginParameters").fields().forEachRemaining(p ->
                url.append('&').append(URLEncoder.encode(p.getKey(), StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(p.getValue().asText(), StandardCharsets.UTF_8)));
        return url.toString();
    }

    public Identity validate(Connector ent, String ticket, String callback) throws Refused {
        boolean cas2 = "2.0".equals(ent.descriptor().path("sso").path("cas").path("version").asText("3.0"));
        AbstractUrlBasedTicketValidator validator = cas2 ? new Cas20ServiceTicketValidator(serverUrl(ent))
                : new Cas30ServiceTicketValidator(serverUrl(ent));
        validator.setEncoding("UTF-8");
        try {
            Assertion assertion = validator.validate(ticket, callback);
            Map<String, List<String>> attributes = Identity.attributesOf(assertion.getPrincipal().getAttributes());
            attributes.put("user", List.of(assertion.getPrincipal().getName()));
            return new Identity(ent.id(), assertion.getPrincipal().getName(), attributes);
        } catch (TicketValidationException e) {
            throw new Refused(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new Refused("ENT injoignable ou réponse illisible : " + e.getMessage(), e);
        }
    }

    private static String serverUrl(Connector ent) {
        return ent.descriptor().path("sso").path("cas").path("serverUrl").asText().replaceAll("/+$", "");
    }
}
