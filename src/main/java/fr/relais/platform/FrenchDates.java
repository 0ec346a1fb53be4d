package fr.relais.platform;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Instants as French readers expect them in pages: "8 décembre 2026 à 01:15:02", in Europe/Paris time. */
public final class FrenchDates {

    public static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    private static final DateTimeFormatter LONG = DateTimeFormatter.ofPattern("d MMMM yyyy 'à' HH:mm:ss", Locale.FRENCH)
            .withZone(PARIS);

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.FRENCH).withZone(PARIS);

    /** The day alone, in Paris: "8 décembre 2026". */
    public static String day(Instant instant) {
        return DAY.format(instant);
    }

    /** For templates: {@code ${dates.format(instant)}}; empty for none. */
    public String format(Instant instant) {
        return instant == null ? "" : LONG.format(instant);
    }
}
