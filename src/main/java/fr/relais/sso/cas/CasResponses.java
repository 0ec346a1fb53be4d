package fr.relais.sso.cas;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/** CAS 2.0/3.0 validation answers, as XML or (with {@code format=JSON}) JSON. */
final class CasResponses {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CasResponses() {
    }

    static ResponseEntity<String> success(String user, Map<String, List<String>> attributes, boolean json) {
        return success(user, attributes, null, null, json);
    }

    /**
     * @param pgtIou   the IOU of a proxy granting ticket just given to the service's callback, if any
     * @param proxy    for a proxy ticket, the callback URL of the proxy that obtained it
     */
    static ResponseEntity<String> success(String user, Map<String, List<String>> attributes, String pgtIou, String proxy,
                                          boolean json) {
        if (json) {
            Map<String, Object> success = new LinkedHashMap<>();
            success.put("user", user);
            if (attributes != null) {
                success.put("attributes", attributes);
            }
            if (pgtIou != null) {
                success.put("proxyGrantingTicket", pgtIou);
            }
            if (proxy != null) {
                success.put("proxies", List.of(proxy));
            }
            return json(Map.of("serviceResponse", Map.of("authenticationSuccess", success)));
        }
        StringBuilder xml = new StringBuilder("<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">\n")
                .append("  <cas:authenticationSuccess>\n    <cas:user>").append(escape(user)).append("</cas:user>\n");
        if (attributes != null) {
            xml.append("    <cas:attributes>\n");
            attributes.forEach((name, values) -> values.forEach(v -> xml.append("      <cas:").append(name).append('>')
                    .append(escape(v)).append("</cas:").append(name).append(">\n")));
            xml.append("    </cas:attributes>\n");
        }
        if (pgtIou != null) {
            xml.append("    <cas:proxyGrantingTicket>").append(escape(pgtIou)).append("</cas:proxyGrantingTicket>\n");
        }
        if (proxy != null) {
            xml.append("    <cas:proxies>\n      <cas:proxy>").append(escape(proxy)).append("</cas:proxy>\n    </cas:proxies>\n");
        }
        xml.append("  </cas:authenticationSuccess>\n</cas:serviceResponse>\n");
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_XML).body(xml.toString());
    }

    static ResponseEntity<String> proxySuccess(String proxyTicket, boolean json) {
        if (json) {
            return json(Map.of("serviceResponse", Map.of("proxySuccess", Map.of("proxyTicket", proxyTicket))));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_XML).body("<cas:serviceResponse "
                + "xmlns:cas=\"http://www.yale.edu/tp/cas\">\n  <cas:proxySuccess>\n    <cas:proxyTicket>" + escape(proxyTicket)
                + "</cas:proxyTicket>\n  </cas:proxySuccess>\n</cas:serviceResponse>\n");
    }

    static ResponseEntity<String> failure(String code, String description, boolean json) {
        return failure("authenticationFailure", code, description, json);
    }

    static ResponseEntity<String> failure(String element, String code, String description, boolean json) {
        if (json) {
            return json(Map.of("serviceResponse", Map.of(element, Map.of("code", code, "description", description))));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_XML).body(
                "<cas:serviceResponse xmlns:cas=\"http://www.yale.edu/tp/cas\">\n  <cas:" + element + " code=\""
                        + code + "\">" + escape(description) + "</cas:" + element + ">\n</cas:serviceResponse>\n");
    }

    private static ResponseEntity<String> json(Object body) {
        try {
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&apos;");
    }
}
