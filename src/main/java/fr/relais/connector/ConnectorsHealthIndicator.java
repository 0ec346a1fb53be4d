package fr.relais.connector;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/** {@code connectors} in {@code /actuator/health}: up while at least one connector is ready. */
@Component("connectors")
class ConnectorsHealthIndicator implements HealthIndicator {

    private final ConnectorRegistry registry;

    ConnectorsHealthIndicator(ConnectorRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Health health() {
        int ready = registry.ready().size();
        int quarantined = registry.all().size() - ready;
        Health.Builder builder = ready > 0 ? Health.up() : Health.down();
        return builder.withDetail("ready", ready).withDetail("quarantined", quarantined).build();
    }
}
