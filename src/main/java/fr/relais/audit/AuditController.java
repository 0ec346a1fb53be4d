package fr.relais.audit;

import java.util.List;
import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@io.swagger.v3.oas.annotations.tags.Tag(name = "Audit", description = "Le journal d'audit chaîné et sa vérification")
@RestController
@RequestMapping("/api/audit")
class AuditController {

    private final AuditTrail trail;

    AuditController(AuditTrail trail) {
        this.trail = trail;
    }

    @GetMapping
    List<AuditTrail.Event> latest(@RequestParam(defaultValue = "100") int limit,
                                  @RequestParam(required = false) String subject) {
        return trail.latest(Math.max(1, Math.min(limit, 1000)), subject);
    }

    /** {@code {"intact": true}}, or the first event from which the chain no longer holds. */
    @GetMapping("/verify")
    Map<String, Object> verify() {
        return trail.verify().<Map<String, Object>>map(seq -> Map.of("intact", false, "brokenAt", seq))
                .orElse(Map.of("intact", true));
    }
}
