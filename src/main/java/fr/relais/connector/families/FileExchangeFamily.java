package fr.relais.connector.families;

import static fr.relais.connector.Capability.*;
import static fr.relais.connector.FieldRule.Type.*;

import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectorKind;
import fr.relais.connector.FieldRule;
import fr.relais.connector.SimpleFamily;

/** Drop folder (local or SFTP) with CSV or XML files, for Pronote and closed tools */
@Component
public class FileExchangeFamily extends SimpleFamily {

    public FileExchangeFamily() {
        super("file-exchange", "Drop folder (local or SFTP) with CSV or XML files, for Pronote and closed tools",
                Set.of(ConnectorKind.TOOL),
                Set.of(CLASSLOG_READ, CLASSLOG_WRITE, CLASSLOG_DELETE, SSO_OUTBOUND, TEST),
                null,
                List.of(
                        FieldRule.required("classlog.dropFolder", TEXT),
                        FieldRule.requiredOneOf("classlog.format", "csv", "xml"),
                        FieldRule.optional("classlog.columns", MAPPING),
                        FieldRule.optional("schedules.classlogPoll", DURATION)));
    }
}
