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

    /**
     * A tool that refuses an entry or cannot be reached, a database that cannot take a page now: expected outcomes,
     * which {@link ClassLogSync} reports as one French line with the reason. The exception still rolls the JMS
     * transaction back (the broker redelivers, then dead-letters), but Camel does not log it again as an error with
     * its stack trace; any other exception (a bug) keeps Camel's error and stack trace.
     */
    @Bean
    org.apache.camel.builder.RouteConfigurationBuilder classLogExpectedFailures() {
        return new org.apache.camel.builder.RouteConfigurationBuilder() {
            @Override
            public void configuration() {
                routeConfiguration("classlog-expected-failures")
                        .onException(ToolException.class,
                                org.springframework.dao.TransientDataAccessException.class,
                                org.springframework.dao.DataAccessResourceFailureException.class,
                                org.springframework.dao.RecoverableDataAccessException.class)
                        .handled(false)
                        .logExhausted(false)
                        .logStackTrace(false)
                        .logRetryAttempted(false)
                        .logHandled(false);
            }
        };
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
