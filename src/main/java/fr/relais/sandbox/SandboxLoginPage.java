package fr.relais.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.ui.Model;

/** The one login page of the simulated ENTs, whatever protocol they speak. */
final class SandboxLoginPage {

    static final String VIEW = "sandbox-login";

    private SandboxLoginPage() {
    }

    /**
     * @param protocol what the simulator is, for the page's first line ("Fournisseur SAML 2.0"...)
     * @param action   where the form posts
     * @param fields   hidden fields carried through the form, in order; null values are left out
     * @param error    the French message shown above the form, or null
     * @param unknownAccount whether the simulator also accepts the account {@code inconnu} (absent from the directory)
     * @return the view name
     */
    static String show(Model model, String ent, String protocol, String action, Map<String, String> fields,
                       String error, boolean unknownAccount) {
        model.addAttribute("ent", ent);
        model.addAttribute("protocol", protocol);
        model.addAttribute("action", action);
        model.addAttribute("fields", fields);
        model.addAttribute("error", error);
        model.addAttribute("unknownAccount", unknownAccount);
        return VIEW;
    }

    /** Hidden fields from alternating names and values (values may be null). */
    static Map<String, String> fields(String... namesAndValues) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return fields;
    }
}
