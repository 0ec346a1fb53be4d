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
 * jointure (a user the directory does not know).
 *
 * <p>Like a real CAS server it keeps its own session (a cookie under its path): a second login in the same
 * browser gets a ticket without the password, unless the service asks {@code renew=true}; {@code /logout} ends
 * that session, tells every service that got a ticket in it (back-channel LogoutRequest), and goes on to
 * {@code service}. Validation with {@code renew=true} fails for a ticket not issued from the password form, and
 * CAS 3.0 answers release {@code authenticationDate}, {@code isFromNewLogin} and
 * {@code longTermAuthenticationRequestTokenUsed} as Apereo CAS does. {@link #ignoreRenew} makes one ENT hand out
 * tickets from its session even when {@code renew=true} is asked, as a misconfigured ENT would.
 *
 * <p>The login form's optional {@code uai} fields make the ENT also assert those schools
 * ({@code ENTPersonStructRattachUAI}), as a misconfigured or dishonest ENT would for any school.
 */
@Controller
@Profile("demo")
@RequestMapping("/sandbox/ent/{ent}/cas")
public class SimulatedCasEnt {

    static final String PASSWORD = "demo";
    private static final Duration TICKET_LIFETIME = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Ticket(String ent, String user, String service, Instant expires, boolean fromNewLogin,
                          Instant authenticatedAt, java.util.List<String> schools) {
    }

    /** The ENT's own session, behind its cookie. */
    private record Session(String ent, String user, Instant authenticatedAt, java.util.List<String> schools) {
    }

    private static final String COOKIE = "SIM_CAS_TGC";
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** ENTs that hand out a ticket from their session even when renew=true is asked (tests turn it on). */
    public final java.util.Set<String> ignoreRenew = ConcurrentHashMap.newKeySet();

    private final Map<String, Ticket> tickets = new ConcurrentHashMap<>();
    /** Tickets given out, by user, for the ENT's own single logout. */
    private final Map<String, java.util.List<Ticket>> issued = new ConcurrentHashMap<>();
    private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

    @GetMapping("/login")
    public String form(@PathVariable String ent, @RequestParam(required = false) String service,
                       @RequestParam(defaultValue = "false") boolean renew,
                       @org.springframework.web.bind.annotation.CookieValue(name = COOKIE, required = false) String cookie,
                       Model model) {
        Session session = cookie == null ? null : sessions.get(cookie);
        boolean forced = renew && !ignoreRenew.contains(ent);
        if (session != null && session.ent().equals(ent) && !forced && service != null && !service.isBlank()) {
            return "redirect:" + ticketFor(ent, session.user(), service, false, session.authenticatedAt(),
                    session.schools());
        }
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
        Instant now = Instant.now();
        String cookie = random();
        java.util.List<String> schools = uai == null ? java.util.List.of() : java.util.List.copyOf(uai);
        sessions.put(cookie, new Session(ent, username, now, schools));
        response.addHeader("Set-Cookie", COOKIE + "=" + cookie + "; Path=/sandbox/ent/" + ent + "/cas; HttpOnly");
        if (service == null || service.isBlank()) {
            return page(model, ent, null, "Connecté à l'ENT simulé, mais aucune application ne vous attend.");
        }
        return "redirect:" + ticketFor(ent, username, service, true, now, schools);
    }

    private String ticketFor(String ent, String username, String service, boolean fromNewLogin, Instant authenticated,
                             java.util.List<String> schools) {
        String ticket = "ST-sim-" + random();
        Ticket t = new Ticket(ent, username, service, Instant.now().plus(TICKET_LIFETIME), fromNewLogin, authenticated,
                schools);
        tickets.put(ticket, t);
        issued.computeIfAbsent(ent + "/" + username, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                .add(new Ticket(ent, ticket, service, t.expires(), fromNewLogin, authenticated, schools));
        return service + (service.contains("?") ? "&" : "?") + "ticket=" + URLEncoder.encode(ticket, StandardCharsets.UTF_8);
    }

    private static String random() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * The browser's logout (CAS protocol 2.3): ends the ENT's session, tells every service that got a ticket in
     * it, then goes on to {@code service} when given, as Apereo CAS does with followServiceRedirects.
     */
    @GetMapping("/logout")
    public ResponseEntity<String> browserLogout(@PathVariable String ent, @RequestParam(required = false) String service,
            @org.springframework.web.bind.annotation.CookieValue(name = COOKIE, required = false) String cookie)
            throws Exception {
        Session session = cookie == null ? null : sessions.remove(cookie);
        if (session != null) {
            logout(ent, session.user());
        }
        var answer = service == null || service.isBlank() ? ResponseEntity.ok() : ResponseEntity.status(302)
                .header("Location", service);
        return answer.header("Set-Cookie", COOKIE + "=; Path=/sandbox/ent/" + ent + "/cas; Max-Age=0")
                .contentType(MediaType.TEXT_HTML).body("<!DOCTYPE html><html lang=\"fr\"><body><h1>Déconnecté de l'ENT "
                        + "simulé " + ent + "</h1></body></html>");
    }

    /** The user logs out of the ENT: it tells every service that got a ticket (CAS back-channel logout). */
    @PostMapping("/logout")
    @org.springframework.web.bind.annotation.ResponseBody
    public String logout(@PathVariable String ent, @RequestParam String username) throws Exception {
        sessions.values().removeIf(session -> session.ent().equals(ent) && session.user().equals(username));
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
                                            @RequestParam(required = false) String service,
                                            @RequestParam(defaultValue = "false") boolean renew) {
        return validate(ent, ticket, service, false, renew);
    }

    @GetMapping("/p3/serviceValidate")
    public ResponseEntity<String> validate3(@PathVariable String ent, @RequestParam(required = false) String ticket,
                                            @RequestParam(required = false) String service,
                                            @RequestParam(defaultValue = "false") boolean renew) {
        return validate(ent, ticket, service, true, renew);
    }

    private ResponseEntity<String> validate(String ent, String ticket, String service, boolean attributes,
                                            boolean renew) {
        Ticket t = ticket == null ? null : tickets.remove(ticket);
        String body;
        if (t == null || !t.ent().equals(ent) || t.expires().isBefore(Instant.now())) {
            body = failure("INVALID_TICKET", "Ticket " + ticket + " not recognized");
        } else if (!t.service().equals(service)) {
            body = failure("INVALID_SERVICE", "Ticket " + ticket + " does not match supplied service");
        } else if (renew && !t.fromNewLogin()) {
            body = failure("INVALID_TICKET", "Ticket " + ticket + " was not issued from a new login (renew=true)");
        } else {
            StringBuilder b = new StringBuilder("<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">"
                    + "<cas:authenticationSuccess><cas:user>").append(t.user()).append("</cas:user>");
            String authentication = "<cas:authenticationDate>" + t.authenticatedAt() + "</cas:authenticationDate>"
                    + "<cas:isFromNewLogin>" + t.fromNewLogin() + "</cas:isFromNewLogin>"
                    + "<cas:longTermAuthenticationRequestTokenUsed>false</cas:longTermAuthenticationRequestTokenUsed>";
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
                b.append(authentication).append("</cas:attributes>");
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
