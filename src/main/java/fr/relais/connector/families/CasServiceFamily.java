package fr.relais.connector.families;

import static fr.relais.connector.Capability.*;
import static fr.relais.connector.FieldRule.Type.*;

import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectorKind;
import fr.relais.connector.FieldRule;
import fr.relais.connector.SimpleFamily;

/** School tool that only receives single sign-on from Relais' CAS server */
@Component
public class CasServiceFamily extends SimpleFamily {

    public CasServiceFamily() {
        super("cas-service", "School tool that only receives single sign-on from Relais' CAS server",
                Set.of(ConnectorKind.TOOL),
                Set.of(SSO_OUTBOUND),
                null,
                List.of(
                        FieldRule.required("sso.outbound", MAPPING)));
    }
}
