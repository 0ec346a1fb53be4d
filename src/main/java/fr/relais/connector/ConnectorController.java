package fr.relais.connector;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import fr.relais.platform.NotFoundException;

@io.swagger.v3.oas.annotations.tags.Tag(name = "Connecteurs", description = "Les ENT, services d'identité, outils et éditeurs configurés, leur état, et le test de connexion")
@RestController
@RequestMapping("/api/connectors")
class ConnectorController {

    private final ConnectorRegistry registry;
    private final ConnectionTests tests;

    ConnectorController(ConnectorRegistry registry, ConnectionTests tests) {
        this.registry = registry;
        this.tests = tests;
    }

    @GetMapping
    List<Connector> all() {
        return registry.all();
    }

    @GetMapping("/{id}")
    Connector one(@PathVariable String id) {
        return registry.find(id).orElseThrow(() -> new NotFoundException(
                "Aucun connecteur '" + id + "' : la liste est sur GET /api/connectors"));
    }

    /** The connection test: 200 with the report whether it succeeded or not ({@code ok}), 404 for an unknown id. */
    @org.springframework.web.bind.annotation.PostMapping("/{id}/test")
    ConnectionTests.Report test(@PathVariable String id) {
        return tests.run(one(id));
    }
}
