package fr.relais.sso;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.mock.web.MockHttpServletResponse;

import fr.relais.platform.TokenShape;
import fr.relais.sso.cas.ProxyGrantingTickets;
import fr.relais.sso.cas.ServiceTickets;

/**
 * Every kind of ticket and id Relais' CAS server hands out, as issued by the components that hand them out:
 * only letters, digits and '-' after the prefix (CAS 3.0, section 3.7), at least 128 random bits. The
 * ModAuthCasTest shows what a real client does with them.
 */
class CasTicketShapeTest extends SsoTestBase {

    @Autowired
    SsoSessions sessions;
    @Autowired
    ServiceTickets tickets;
    @Autowired
    ProxyGrantingTickets pgts;
    @Autowired
    LoginRequests requests;
    @Autowired
    ServletWebServerApplicationContext web;

    private static final SsoPerson PUPIL = new SsoPerson("2000001", false, "Test", "Élève", List.of("National_1"),
            List.of(), List.of(), List.of(), null, null);

    @Test
    void everyTicketAndCookieHoldsOnlyLettersDigitsAndDashesWithAtLeast128RandomBits() throws Exception {
        List<String> tgcs = new ArrayList<>();
        List<String> sessionIds = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            MockHttpServletResponse response = new MockHttpServletResponse();
            sessionIds.add(sessions.start(PUPIL, new Identity("agora06", "2000001", Map.of()), false, response).id());
            String cookie = response.getHeader("Set-Cookie");
            tgcs.add(cookie.substring((SsoSessions.COOKIE + "=").length(), cookie.indexOf(';')));
        }
        List<String> serviceTickets = new ArrayList<>();
        List<String> proxyTickets = new ArrayList<>();
        List<String> loginRequests = new ArrayList<>();
        for (String session : sessionIds) {
            serviceTickets.add(tickets.issue(session, TOOL, "pronote", false));
            proxyTickets.add(tickets.issueProxy(session, TOOL, "pronote", pgtCallback()));
            loginRequests.add(requests.create(TOOL, false, null).id());
        }
        List<String> ious = new ArrayList<>();
        for (String session : sessionIds.subList(0, 150)) {
            ious.add(pgts.grant(session, "pronote", pgtCallback()).orElseThrow());
        }
        List<String> grantingTickets = ious.stream().map(tool.proxyGrantingTickets::get).toList();

        TokenShape.assertOpaque("TGC-", tgcs);
        TokenShape.assertOpaque("ST-", serviceTickets);
        TokenShape.assertOpaque("PT-", proxyTickets);
        TokenShape.assertOpaque("PGTIOU-", ious);
        TokenShape.assertOpaque("PGT-", grantingTickets);
        TokenShape.assertOpaque("LR-", loginRequests);
    }

    private String pgtCallback() {
        for (var c : ((TomcatWebServer) web.getWebServer()).getTomcat().getService().findConnectors()) {
            if ("https".equals(c.getScheme())) {
                return "https://localhost:" + c.getLocalPort() + "/sandbox/tools/pronote/pgtCallback";
            }
        }
        throw new AssertionError("no https connector");
    }

    @Test
    void aTicketBearingRedirectCarriesTheTicketUnescaped() throws Exception {
        Browser b = new Browser(BASE);
        CasSsoTest.loginAt(b, CasSsoTest.toEntLogin(b, "/cas/login?service="
                + java.net.URLEncoder.encode(TOOL, "UTF-8") + "&ent=agora06"), "2000001");
        for (int i = 0; i < 20; i++) {
            String location = Browser.location(b.get("/cas/login?service=" + java.net.URLEncoder.encode(TOOL, "UTF-8")));
            assertThat(location).matches(java.util.regex.Pattern.quote(TOOL) + "\\?ticket=ST-[A-Za-z0-9-]+");
        }
    }
}
