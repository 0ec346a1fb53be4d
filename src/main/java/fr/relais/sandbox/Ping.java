package fr.relais.sandbox;

import org.springframework.context.annotation.Profile;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The bare endpoint benchmarks compare Relais' protocol endpoints with: same server, same filters, no work. */
@RestController
@Profile("demo")
class Ping {

    @GetMapping("/sandbox/ping")
    String ping() {
        return "pong";
    }
}
