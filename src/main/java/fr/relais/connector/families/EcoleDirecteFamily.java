package fr.relais.connector.families;

import static fr.relais.connector.Capability.*;
import static fr.relais.connector.FieldRule.Type.*;

import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectorKind;
import fr.relais.connector.FieldRule;
import fr.relais.connector.SimpleFamily;

/** EcoleDirecte v3 API (login.awp, cahierdetexte.awp, X-Token) */
@Component
public class EcoleDirecteFamily extends SimpleFamily {

    public EcoleDirecteFamily() {
        super("ecoledirecte", "EcoleDirecte v3 API (login.awp, cahierdetexte.awp, X-Token)",
                Set.of(ConnectorKind.TOOL),
                Set.of(CLASSLOG_READ, CLASSLOG_WRITE, CLASSLOG_DELETE, SSO_OUTBOUND, TEST),
                null,
                List.of(
                        FieldRule.required("classlog.baseUrl", HTTPS_URL),
                        FieldRule.optional("classlog.login", TEXT),
                        FieldRule.optional("classlog.password", TEXT),
                        FieldRule.optional("schedules.classlogPoll", DURATION)));
    }
}
