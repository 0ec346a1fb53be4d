package fr.relais.platform;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an {@link InvalidSetting} anywhere in a start failure's causes into its French message alone. */
public class InvalidSettingAnalyzer extends AbstractFailureAnalyzer<InvalidSetting> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidSetting cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Corrigez ce réglage (fichier de configuration ou variable d'environnement) puis relancez Relais.", cause);
    }
}
