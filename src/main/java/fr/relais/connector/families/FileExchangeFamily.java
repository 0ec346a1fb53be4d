package fr.relais.connector.families;

import static fr.relais.connector.Capability.*;
import static fr.relais.connector.FieldRule.Type.*;

import java.util.List;
import java.util.Set;

import org.springframework.stereotype.Component;

import fr.relais.connector.ConnectorKind;
import fr.relais.connector.FieldRule;
import fr.relais.connector.SimpleFamily;

/**
 * Drop folder with CSV or XML files, for Pronote and closed tools; the fields are described on
 * {@link fr.relais.classlog.tools.FileExchangeSettings} and the behaviour on
 * {@link fr.relais.classlog.tools.FileExchangeClient}. The folder is local for now (SFTP is refused with a message).
 */
@Component
public class FileExchangeFamily extends SimpleFamily {

    public FileExchangeFamily() {
        super("file-exchange", "Drop folder (local path; SFTP not yet) with CSV or XML files, for Pronote and closed tools",
                Set.of(ConnectorKind.TOOL),
                Set.of(CLASSLOG_READ, CLASSLOG_WRITE, CLASSLOG_DELETE, SSO_OUTBOUND, TEST),
                null,
                List.of(
                        FieldRule.required("classlog.dropFolder", TEXT),
                        FieldRule.requiredOneOf("classlog.format", "csv", "xml"),
                        FieldRule.optional("classlog.columns", MAPPING),
                        FieldRule.optionalOneOf("classlog.fullExport", "true", "false"),
                        FieldRule.optionalOneOf("classlog.dateFormat", "yyyy-MM-dd", "dd/MM/yyyy"),
                        FieldRule.optional("classlog.maxFileBytes", TEXT),
                        // PT0S is fine for a tool that writes its exports atomically: not a DURATION rule
                        FieldRule.optional("classlog.quietPeriod", TEXT),
                        FieldRule.optional("classlog.keepProcessed", DURATION),
                        FieldRule.optional("schedules.classlogPoll", DURATION)));
    }
}
