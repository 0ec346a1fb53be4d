package fr.relais.directory.aaf;

import java.util.regex.Pattern;

/**
 * The national school id: 7 digits and a control letter, the 7-digit number modulo 23 taken in an alphabet
 * without I, O and Q ({@code 0690037R}...).
 */
public final class Uai {

    private static final String LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ";
    private static final Pattern SHAPE = Pattern.compile("\\d{7}[A-Z]");

    private Uai() {
    }

    public static String of(int sevenDigits) {
        if (sevenDigits < 0 || sevenDigits > 9_999_999) {
            throw new IllegalArgumentException("a UAI has 7 digits: " + sevenDigits);
        }
        return String.format("%07d%c", sevenDigits, LETTERS.charAt(sevenDigits % 23));
    }

    public static boolean isValid(String uai) {
        if (uai == null || !SHAPE.matcher(uai).matches()) {
            return false;
        }
        int number = Integer.parseInt(uai.substring(0, 7));
        return LETTERS.charAt(number % 23) == uai.charAt(7);
    }
}
