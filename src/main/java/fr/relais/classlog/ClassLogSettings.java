package fr.relais.classlog;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Which tools keep the log of which class (or group) of which school, and which tool wins a conflict at the
 * same instant ({@code precedence}, first wins).
 */
@ConfigurationProperties("relais.classlog")
public record ClassLogSettings(List<Sync> sync, List<String> precedence) {

    public ClassLogSettings {
        sync = sync == null ? List.of() : sync;
        precedence = precedence == null ? List.of() : precedence;
    }

    public record Sync(String school, String audience, List<String> tools) {
    }
}
