package fr.relais.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.context.annotation.Profile;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Profile("demo")
class ExpPing {
    @GetMapping("/sandbox/exp/text")
    String text(@RequestParam String ido, @RequestParam String idRessource, @RequestParam String uai) {
        return "pong";
    }

    @GetMapping("/sandbox/exp/json")
    ResponseEntity<Object> json(@RequestParam String ido, @RequestParam String idRessource, @RequestParam String uai) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ido", ido);
        body.put("idRessource", idRessource);
        body.put("uai", uai);
        body.put("decision", "autorise");
        body.put("valideJusquau", "2027-08-31T00:00:00Z");
        return ResponseEntity.ok(body);
    }
}
