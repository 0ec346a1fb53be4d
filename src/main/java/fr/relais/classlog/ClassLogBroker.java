package fr.relais.classlog;

import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.springframework.boot.autoconfigure.jms.artemis.ArtemisConfigurationCustomizer;
import org.springframework.context.annotation.Bean;

import fr.relais.connector.Connector;

/**
 * The broker's policy for the cahier de textes queues (embedded Artemis; a standalone broker needs the same
 * address settings, see README): a delivery the target refuses comes back after a delay that doubles up to a
 * ceiling, and after the configured attempts goes to the dead-letter queue of its target,
 * {@code DLQ.relais.classlog.deliver.<tool>}; a change that cannot be applied now is tried again without limit
 * (malformed data never throws: it is refused and recorded). The dead-letter queues exist from the start, so that nothing sent to them
 * is dropped.
 */
@org.springframework.context.annotation.Configuration
public class ClassLogBroker {

    /**
     * Below this size a message travels whole: a page of changes (up to 500 lessons, some 700 KB as Artemis encodes
     * text, two bytes a character) is one journal record instead of a large message, which Artemis writes to a
     * file of its own and which its client reassembles a byte at a time on receipt (a third of the class-log
     * benchmark's CPU went there). Larger pages (long contents) still go as large messages.
     */
    static final int WHOLE_MESSAGE_BYTES = 4 * 1024 * 1024;

    /**
     * The broker takes a record up to its journal buffer whole, and turns anything larger into a large message
     * whatever the client sent: the embedded broker's buffer holds a whole message (a standalone broker needs
     * {@code journal-buffer-size} as large, see README).
     */
    @Bean
    ArtemisConfigurationCustomizer classLogWholeMessages() {
        return configuration -> {
            // the message's headers and the record's own; within a journal file (10 MiB by default)
            int buffer = WHOLE_MESSAGE_BYTES + 256 * 1024;
            configuration.setJournalBufferSize_AIO(Math.max(configuration.getJournalBufferSize_AIO(), buffer));
            configuration.setJournalBufferSize_NIO(Math.max(configuration.getJournalBufferSize_NIO(), buffer));
        };
    }

    /** Relais' connection factory (Spring Boot's, whether embedded or native) sends messages whole up to the size above. */
    @Bean
    static org.springframework.beans.factory.config.BeanPostProcessor classLogWholeMessagesClient() {
        return new org.springframework.beans.factory.config.BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                Object target = bean instanceof org.springframework.jms.connection.CachingConnectionFactory caching
                        ? caching.getTargetConnectionFactory() : bean;
                if (target instanceof org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory artemis
                        && artemis.getMinLargeMessageSize() < WHOLE_MESSAGE_BYTES) {
                    artemis.setMinLargeMessageSize(WHOLE_MESSAGE_BYTES);
                }
                return bean;
            }
        };
    }

    @Bean
    ArtemisConfigurationCustomizer classLogAddressSettings(ClassLogSettings settings, ToolClients clients) {
        return configuration -> {
            deadLettered(configuration, settings, ClassLogSync.CHANGES);
            // a change the canonical log cannot take now (database down, lock timeout) waits and is tried again
            // without limit: its watermark has moved, so a dead letter there would be out of sight. It comes back
            // at once, at the head of the queue (the changes step waits between attempts itself): a page put aside
            // for a delay would be overtaken by the next pages of its tool
            configuration.getAddressSettings().get(ClassLogSync.CHANGES).setMaxDeliveryAttempts(-1)
                    .setRedeliveryDelay(0);
            for (Connector tool : clients.writable()) {
                deadLettered(configuration, settings, ClassLogSync.DELIVER + tool.id());
            }
        };
    }

    private static void deadLettered(Configuration configuration, ClassLogSettings settings, String queue) {
        String dead = "DLQ." + queue;
        configuration.addAddressSetting(queue, new AddressSettings()
                .setRedeliveryDelay(settings.redeliveryDelay().toMillis())
                .setRedeliveryMultiplier(2.0)
                .setMaxRedeliveryDelay(settings.maxRedeliveryDelay().toMillis())
                .setMaxDeliveryAttempts(settings.deliveryAttempts())
                .setDeadLetterAddress(SimpleString.of(dead))
                // no read-ahead: with message groups, a consumer that buffered messages would take their groups,
                // and the other consumers would idle
                .setDefaultConsumerWindowSize(0));
        configuration.addQueueConfiguration(QueueConfiguration.of(dead).setAddress(dead)
                .setRoutingType(RoutingType.ANYCAST).setDurable(true));
    }
}
