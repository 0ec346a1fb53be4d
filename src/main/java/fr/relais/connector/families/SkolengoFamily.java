package fr.relais.connector.families;

import static fr.relais.connector.Capability.*;
import static fr.relais.connector.FieldRule.Type.*;

import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectorKind;
import fr.relais.connector.FieldRule;
import fr.relais.connector.SimpleFamily;

/** Skolengo JSON:API (homework assignments and agendas) with OIDC bearer tokens */
@Component
public class SkolengoFamily extends SimpleFamily {

    public SkolengoFamily() {
        super("skolengo", "Skolengo JSON:API (homework assignments and agendas) with OIDC bearer tokens",
                Set.of(ConnectorKind.TOOL),
                Set.of(CLASSLOG_READ, CLASSLOG_WRITE, CLASSLOG_DELETE, SSO_OUTBOUND, TEST),
                null,
                List.of(
                        FieldRule.required("classlog.baseUrl", HTTPS_URL),
                        FieldRule.required("classlog.tokenUrl", HTTPS_URL),
                        FieldRule.optional("classlog.clientId", TEXT),
                        FieldRule.optional("classlog.clientSecret", TEXT),
                        FieldRule.optional("schedules.classlogPoll", DURATION)));
    }
}
