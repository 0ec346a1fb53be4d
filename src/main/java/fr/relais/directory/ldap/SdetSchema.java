package fr.relais.directory.ldap;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.schema.Schema;
import com.unboundid.ldif.LDIFException;
import com.unboundid.ldif.LDIFReader;

/**
 * The SDET schema as shipped for OpenLDAP ({@code ldap/sdet-schema.ldif}, cn=config form), turned into the
 * embedded server's schema: one file, two servers, the same definitions.
 */
public final class SdetSchema {

    public static final String RESOURCE = "/ldap/sdet-schema.ldif";

    private SdetSchema() {
    }

    /** The standard schema of the embedded server merged with the SDET definitions. */
    public static Schema withStandardSchema() {
        try {
            return Schema.mergeSchemas(Schema.getDefaultStandardSchema(), sdetOnly());
        } catch (LDAPException e) {
            throw new IllegalStateException("cannot load the standard LDAP schema", e);
        }
    }

    static Schema sdetOnly() {
        try (InputStream in = SdetSchema.class.getResourceAsStream(RESOURCE);
             LDIFReader reader = new LDIFReader(in)) {
            Entry config = reader.readEntry();
            List<String> attributeTypes = new ArrayList<>();
            List<String> objectClasses = new ArrayList<>();
            for (String value : config.getAttributeValues("olcAttributeTypes")) {
                attributeTypes.add(stripOrdering(value));
            }
            for (String value : config.getAttributeValues("olcObjectClasses")) {
                objectClasses.add(stripOrdering(value));
            }
            Entry subschema = new Entry("cn=schema",
                    new Attribute("objectClass", "top", "ldapSubentry", "subschema"),
                    new Attribute("cn", "schema"),
                    new Attribute("attributeTypes", attributeTypes),
                    new Attribute("objectClasses", objectClasses));
            return new Schema(subschema);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        } catch (LDIFException e) {
            throw new IllegalStateException(RESOURCE + " is not valid LDIF: " + e.getMessage(), e);
        }
    }

    /** OpenLDAP may prefix values with an ordering index such as {@code {3}}. */
    private static String stripOrdering(String value) {
        return value.replaceFirst("^\\{\\d+\\}", "").strip();
    }
}
