package fr.relais.connector;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import fr.relais.platform.NotFoundException;

@RestController
@RequestMapping("/api/connectors")
class ConnectorController {

    private final ConnectorRegistry registry;

    ConnectorController(ConnectorRegistry registry) {
        this.registry = registry;
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
}
