package fr.relais.platform;

/**
 * A setting that stops Relais at start: the message names the property, the file or value at fault and what to do,
 * in French. {@link InvalidSettingAnalyzer} reports it as Spring Boot's "APPLICATION FAILED TO START" block,
 * without a stack trace: the operator has a setting to fix, not a bug to report.
 */
public class InvalidSetting extends RuntimeException {

    public InvalidSetting(String message) {
        super(message);
    }

    public InvalidSetting(String message, Throwable cause) {
        super(message, cause);
    }
}
