package fr.relais.platform;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI description of the admin API ({@code /api/**}, HTTP Basic, the administrator) and of the publishers'
 * check API ({@code /gar/entitlements}, mutual TLS), served by springdoc at {@code /v3/api-docs} and browsable at
 * {@code /admin/api}, for administrators only (see {@link SecurityConfig}).
 */
@Configuration
class ApiDocs {

    static final String ADMINISTRATOR = "administrateur";

    @Bean
    OpenAPI relaisApi(@Value("${relais.sso.base-url}") String baseUrl) {
        return new OpenAPI()
                .info(new Info().title("Relais – API d'administration et de vérification des licences").version("1")
                        .description("""
                                API d'administration de Relais (`/api/...`) : connecteurs et leur test de connexion, \
                                annuaire (imports AAF, personnes, structures), licences (affectations, échéances, \
                                lancements), cahier de textes (plans de synchronisation, état par outil, séances en \
                                attente, lettres mortes, conflits, relecture d'un outil) et journal d'audit. \
                                Authentification HTTP Basic du compte administrateur ; les requêtes qui modifient \
                                l'état ne sont acceptées que sans en-tête `Origin` d'un autre site.

                                API de vérification des éditeurs (`/gar/entitlements`) : appelée par un distributeur \
                                authentifié par son certificat client (TLS mutuel, autorité de certification du GAR \
                                configurée dans Relais), elle dit si une personne pseudonyme peut utiliser une \
                                ressource dans un établissement. L'API d'abonnement compatible GAR \
                                (`/gar/abonnement/...`, XML) garde les formes du GAR et n'est pas décrite ici.

                                Les erreurs ont toutes la forme `{"timestamp", "status", "error", "message", "path"}`, message en \
                                français. Adresse de ce Relais : """ + baseUrl))
                .components(new Components().addSecuritySchemes(ADMINISTRATOR, new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP).scheme("basic")
                        .description("le compte administrateur de Relais (relais.admin.username / password)")));
    }

    /** The admin API's operations need the administrator; the check API authenticates publishers by TLS. */
    @Bean
    OpenApiCustomizer administratorOnAdminApi() {
        return api -> api.getPaths().forEach((path, item) -> {
            if (path.startsWith("/api/") || path.startsWith("/gar/ressources/")) {
                item.readOperations().forEach(op -> op.addSecurityItem(new SecurityRequirement().addList(ADMINISTRATOR)));
            }
        });
    }
}
