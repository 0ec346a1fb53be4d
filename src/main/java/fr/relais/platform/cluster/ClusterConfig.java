package fr.relais.platform.cluster;

import java.time.Duration;

import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The node's place in the cluster: on PostgreSQL, roles and change news through the database (see
 * {@link ClusterNode}); on H2, one node alone that holds every role. Camel's {@code master:} routes are elected
 * through it.
 */
@Configuration(proxyBeanMethods = false)
public class ClusterConfig {

    @Bean(destroyMethod = "close")
    ClusterNode clusterNode(DataSourceProperties datasource,
                            @Value("${relais.cluster.heartbeat:1s}") Duration heartbeat) {
        String url = datasource.determineUrl();
        ClusterNode node = url != null && url.startsWith("jdbc:postgresql:")
                ? ClusterNode.postgres(url, datasource.determineUsername(), datasource.determinePassword(), heartbeat)
                : ClusterNode.single();
        node.start();
        return node;
    }

    @Bean
    NodeRoleClusterService nodeRoleClusterService(ClusterNode node) {
        return new NodeRoleClusterService(node);
    }

    /** The cluster service starts and stops with Camel, which finds it for {@code master:} endpoints. */
    @Bean
    CamelContextConfiguration clusterServiceRegistration(NodeRoleClusterService service) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext context) {
                try {
                    context.addService(service, true, true);
                } catch (Exception e) {
                    throw new IllegalStateException("service de grappe non enregistré dans Camel", e);
                }
            }

            @Override
            public void afterApplicationStart(CamelContext context) {
            }
        };
    }
}
