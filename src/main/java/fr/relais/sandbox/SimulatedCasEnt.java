package fr.relais.sandbox;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.context.annotation.Profile;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * A simulated ENT of the CAS family, for the demo and the tests: a real CAS 2.0/3.0 server on the wire
 * ({@code /login}, {@code /serviceValidate}, {@code /p3/serviceValidate}) under {@code /sandbox/ent/{ent}/cas}.
 * It talks to Relais only over HTTP, like a real ENT. Accounts: any AAF jointure (digits) with the password
 * {@code demo}; it asserts {@code ENTPersonJointure} = the login on CAS 3.0. The login {@code inconnu} asserts no
 * jointure (a user the directory does not know). The login form's optional {@code uai} fields make the ENT also
 * assert those schools ({@code ENTPersonStructRattachUAI}), as a misconfigured or dishonest ENT would for any school.
 */
@Controller
@Profile("demo")
@RequestMapping("/sandbox/ent/{ent}/cas")
public class SimulatedCasEnt {

    static final String PASSWORD = "demo";
    private static final Duration TICKET_LIFETIME = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Ticket(String ent, String user, String service, Instant expires, java.util.List<String> schools) {
    }

    private final Map<String, Ticket> tickets = new ConcurrentHashMap<>();
    /** Tickets given out, by user, for the ENT's own single logout. */
    private final Map<String, java.util.List<Ticket>> issued = new ConcurrentHashMap<>();
    private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

    @GetMapping("/login")
    public String form(@PathVariable String ent, @RequestParam(required = false) String service, Model model) {
        return page(model, ent, service, null);
    }

    private static String page(Model model, String ent, String service, String error) {
        return SandboxLoginPage.show(model, ent, "Simulateur d'ENT CAS", "/sandbox/ent/" + ent + "/cas/login",
                SandboxLoginPage.fields("service", service), error, true);
    }

    @PostMapping("/login")
    public String login(@PathVariable String ent, @RequestParam String username, @RequestParam String password,
                        @RequestParam(required = false) String service,
                        @RequestParam(required = false) java.util.List<String> uai, Model model,
                        jakarta.servlet.http.HttpServletResponse response) {
        boolean known = username.matches("\\d{1,12}") || "inconnu".equals(username);
        if (!known || !PASSWORD.equals(password)) {
            response.setStatus(401);
            return page(model, ent, service, "Identifiant ou mot de passe incorrect.");
        }
        if (service == null || service.isBlank()) {
            return page(model, ent, null, "Connecté à l'ENT simulé, mais aucune application ne vous attend.");
        }
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        String ticket = "ST-sim-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Ticket t = new Ticket(ent, username, service, Instant.now().plus(TICKET_LIFETIME),
                uai == null ? java.util.List.of() : java.util.List.copyOf(uai));
        tickets.put(ticket, t);
        issued.computeIfAbsent(ent + "/" + username, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                .add(new Ticket(ent, ticket, service, t.expires(), t.schools()));
        return "redirect:" + service + (service.contains("?") ? "&" : "?") + "ticket="
                + URLEncoder.encode(ticket, StandardCharsets.UTF_8);
    }

    /** The user logs out of the ENT: it tells every service that got a ticket (CAS back-channel logout). */
    @PostMapping("/logout")
    @org.springframework.web.bind.annotation.ResponseBody
    public String logout(@PathVariable String ent, @RequestParam String username) throws Exception {
        int told = 0;
        for (Ticket t : issued.getOrDefault(ent + "/" + username, java.util.List.of())) {
            String body = "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                    + "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_sim" + System.nanoTime()
                    + "\" Version=\"2.0\" IssueInstant=\"" + Instant.now() + "\"><saml:NameID>" + username
                    + "</saml:NameID><samlp:SessionIndex>" + t.user() + "</samlp:SessionIndex></samlp:LogoutRequest>";
            var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(t.service()))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("logoutRequest="
                            + URLEncoder.encode(body, StandardCharsets.UTF_8))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            told += response.statusCode() == 200 ? 1 : 0;
        }
        issued.remove(ent + "/" + username);
        return told + " service(s) prévenu(s)";
    }

    @GetMapping("/serviceValidate")
    public ResponseEntity<String> validate2(@PathVariable String ent, @RequestParam(required = false) String ticket,
                                            @RequestParam(required = false) String service) {
        return validate(ent, ticket, service, false);
    }

    @GetMapping("/p3/serviceValidate")
    public ResponseEntity<String> validate3(@PathVariable String ent, @RequestParam(required = false) String ticket,
                                            @RequestParam(required = false) String service) {
        return validate(ent, ticket, service, true);
    }

    private ResponseEntity<String> validate(String ent, String ticket, String service, boolean attributes) {
        Ticket t = ticket == null ? null : tickets.remove(ticket);
        String body;
        if (t == null || !t.ent().equals(ent) || t.expires().isBefore(Instant.now())) {
            body = failure("INVALID_TICKET", "Ticket " + ticket + " not recognized");
        } else if (!t.service().equals(service)) {
            body = failure("INVALID_SERVICE", "Ticket " + ticket + " does not match supplied service");
        } else {
            StringBuilder b = new StringBuilder("<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">"
                    + "<cas:authenticationSuccess><cas:user>").append(t.user()).append("</cas:user>");
            if (attributes) {
                b.append("<cas:attributes>");
                if (!"inconnu".equals(t.user())) {
                    b.append("<cas:ENTPersonJointure>").append(t.user()).append("</cas:ENTPersonJointure>");
                } else {
                    b.append("<cas:ENTPersonNom>INCONNU</cas:ENTPersonNom><cas:ENTPersonPrenom>Camille</cas:ENTPersonPrenom>"
                            + "<cas:ENTPersonProfils>National_ELV</cas:ENTPersonProfils>");
                }
                t.schools().forEach(school -> b.append("<cas:ENTPersonStructRattachUAI>")
                        .append(org.springframework.web.util.HtmlUtils.htmlEscape(school))
                        .append("</cas:ENTPersonStructRattachUAI>"));
                b.append("</cas:attributes>");
            }
            body = b.append("</cas:authenticationSuccess></cas:serviceResponse>").toString();
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_XML).body(body);
    }

    private static String failure(String code, String message) {
        return "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\"><cas:authenticationFailure code=\""
                + code + "\">" + message + "</cas:authenticationFailure></cas:serviceResponse>";
    }
}
