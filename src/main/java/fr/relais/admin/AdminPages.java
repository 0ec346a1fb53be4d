package fr.relais.admin;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

import fr.relais.connector.ConnectorRegistry;
import fr.relais.directory.aaf.ImportHistory;

/** The administrator's pages (French): connectors and their state, the last directory imports. */
@Controller
class AdminPages {

    private static final fr.relais.platform.FrenchDates DATES = new fr.relais.platform.FrenchDates();
    private final ConnectorRegistry connectors;
    private final ImportHistory imports;

    AdminPages(ConnectorRegistry connectors, ImportHistory imports) {
        this.connectors = connectors;
        this.imports = imports;
    }

    @GetMapping("/login")
    String login() {
        return "login";
    }

    @GetMapping({"/", "/admin"})
    String home(Model model) {
        model.addAttribute("connectors", connectors.all());
        model.addAttribute("ready", connectors.ready().size());
        model.addAttribute("imports", imports.latest(20));
        model.addAttribute("dates", DATES);
        return "admin";
    }
}
