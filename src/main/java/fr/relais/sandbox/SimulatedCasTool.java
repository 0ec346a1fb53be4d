package fr.relais.sandbox;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.servlet.http.HttpServletRequest;

import org.apereo.cas.client.validation.Assertion;
import org.apereo.cas.client.validation.Cas30ServiceTicketValidator;
import org.apereo.cas.client.validation.TicketValidationException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

/**
 * A simulated school tool protected by CAS, for the demo and the tests: it sends the user to Relais'
 * {@code /cas/login} and validates the ticket with the Apereo Java CAS client over HTTP, like Pronote's CAS
 * delegation does, then shows what Relais released. It also receives back-channel logout requests.
 */
@Controller
@Profile("demo")
@RequestMapping("/sandbox/tools/{tool}")
public class SimulatedCasTool {

    private final String casPrefix;
    private final String baseUrl;
    /** Back-channel logout requests received, newest last (the tests read them). */
    public final List<String> logoutRequests = new CopyOnWriteArrayList<>();
    /** Proxy granting tickets received on the callback, by their IOU (the tests read them). */
    public final Map<String, String> proxyGrantingTickets = new java.util.concurrent.ConcurrentHashMap<>();

    public SimulatedCasTool(@Value("${relais.sso.base-url}") String baseUrl) {
        this.baseUrl = baseUrl.replaceAll("/+$", "");
        this.casPrefix = this.baseUrl + "/cas";
    }

    @GetMapping("/")
    public String open(@PathVariable String tool, @RequestParam(required = false) String ticket, Model model) {
        String service = baseUrl + "/sandbox/tools/" + tool + "/";
        if (ticket == null) {
            return "redirect:" + casPrefix + "/login?service=" + URLEncoder.encode(service, StandardCharsets.UTF_8);
        }
        model.addAttribute("tool", tool);
        try {
            Assertion assertion = new Cas30ServiceTicketValidator(casPrefix).validate(ticket, service);
            Map<String, Object> attributes = assertion.getPrincipal().getAttributes();
            model.addAttribute("user", assertion.getPrincipal().getName());
            model.addAttribute("attributes", attributes);
        } catch (TicketValidationException e) {
            model.addAttribute("error", e.getMessage());
        }
        return "sandbox-tool";
    }

    /** CAS proxy callback (served over https): Relais hands the PGT here, identified by its IOU. */
    @GetMapping("/pgtCallback")
    @ResponseBody
    public String proxyCallback(@PathVariable String tool, @RequestParam(required = false) String pgtIou,
                                @RequestParam(required = false) String pgtId) {
        if (pgtIou != null && pgtId != null) {
            proxyGrantingTickets.put(pgtIou, pgtId);
        }
        return "ok";
    }

    @PostMapping("/")
    @ResponseBody
    public String backChannelLogout(@PathVariable String tool, HttpServletRequest request,
                                    @RequestParam(required = false) String logoutRequest) {
        if (logoutRequest != null) {
            logoutRequests.add(logoutRequest);
        }
        return "ok";
    }
}
