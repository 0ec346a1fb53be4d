package fr.relais.classlog;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import fr.relais.connector.Connector;

/** One delivery route (template {@code classlog-deliver} of routes/classlog-sync.yaml) per writable tool. */
@Configuration
public class ClassLogRoutes {

    public static String routeId(String tool) {
        return "classlog-deliver-" + tool;
    }

    @Bean
    CamelContextConfiguration classLogDeliveryRoutes(ToolClients clients) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext context) {
            }

            @Override
            public void afterApplicationStart(CamelContext context) {
                for (Connector tool : clients.writable()) {
                    TemplatedRouteBuilder.builder(context, "classlog-deliver").routeId(routeId(tool.id()))
                            .parameter("tool", tool.id()).add();
                }
            }
        };
    }
}
