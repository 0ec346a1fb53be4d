package fr.relais.directory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.BasicAttribute;
import javax.naming.directory.BasicAttributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.ModificationItem;
import javax.naming.directory.SearchControls;

import org.springframework.ldap.NameNotFoundException;
import org.springframework.ldap.control.PagedResultsDirContextProcessor;
import org.springframework.ldap.core.ContextMapper;
import org.springframework.ldap.core.DirContextAdapter;
import org.springframework.ldap.core.LdapTemplate;
import org.springframework.ldap.core.support.LdapContextSource;
import org.springframework.ldap.core.support.SingleContextSource;
import org.springframework.ldap.support.LdapUtils;
import org.springframework.stereotype.Component;

/**
 * The SDET tree through Spring LDAP: the only class that talks to the directory server. Names are absolute
 * DNs; values are text. Every write is told to the {@link #onWrite listeners} once the server has applied it,
 * which is how what was read before (the person cache of {@link Directory}) stays exact.
 */
@Component
public class DirectoryStore {

    private final LdapTemplate ldap;
    private final LdapContextSource contextSource;
    private final String baseDn;
    private final int pageSize;
    private final List<Consumer<Write>> writeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * A write the directory server has applied (or may have: a failed call is told too).
     *
     * @param attributes the entry's attributes after the write, when the write says them: all of them for an
     *                   add, those named by {@code managed} for a replace (absent ones were removed); null for a
     *                   delete or when the outcome is unknown
     * @param managed    the attributes the write set; null when {@code attributes} is the whole entry
     */
    public record Write(String dn, Map<String, List<String>> attributes, Collection<String> managed) {
    }

    public DirectoryStore(LdapTemplate ldap, LdapContextSource contextSource, DirectoryProperties properties) {
        this.ldap = ldap;
        this.contextSource = contextSource;
        this.baseDn = properties.baseDn();
        this.pageSize = properties.embedded() ? 0 : properties.ldap().pageSize();
    }

    public String baseDn() {
        return baseDn;
    }

    public String people() {
        return "ou=personnes," + baseDn;
    }

    public String structures() {
        return "ou=structures," + baseDn;
    }

    /** {@code listener} is told of every entry added, changed or deleted, after the change. */
    public void onWrite(Consumer<Write> listener) {
        writeListeners.add(listener);
    }

    private void written(Write write) {
        writeListeners.forEach(l -> l.accept(write));
    }

    public Optional<SdetEntry> read(String dn, List<String> attributes) {
        try {
            return Optional.of(ldap.lookup(dn, attributes.toArray(String[]::new), (ContextMapper<SdetEntry>) DirectoryStore::entry));
        } catch (NameNotFoundException e) {
            return Optional.empty();
        }
    }

    public void add(SdetEntry entry) {
        BasicAttributes attributes = new BasicAttributes(true);
        entry.attributes().forEach((name, values) -> {
            if (!values.isEmpty()) {
                BasicAttribute attribute = new BasicAttribute(name);
                values.forEach(attribute::add);
                attributes.put(attribute);
            }
        });
        boolean done = false;
        try {
            ldap.bind(entry.dn(), null, attributes);
            done = true;
        } finally {
            written(new Write(entry.dn(), done ? entry.attributes() : null, null));
        }
    }

    /** Sets every attribute of {@code managed} to its value in {@code attributes}, removing those absent. */
    public void replace(String dn, Map<String, List<String>> attributes, Collection<String> managed) {
        List<ModificationItem> items = new ArrayList<>();
        for (String name : managed) {
            BasicAttribute attribute = new BasicAttribute(name);
            attributes.getOrDefault(name, List.of()).forEach(attribute::add);
            if (attribute.size() == 0 && "objectClass".equalsIgnoreCase(name)) {
                continue;
            }
            items.add(new ModificationItem(DirContext.REPLACE_ATTRIBUTE, attribute));
        }
        boolean done = false;
        try {
            ldap.modifyAttributes(dn, items.toArray(ModificationItem[]::new));
            done = true;
        } finally {
            written(new Write(dn, done ? attributes : null, managed));
        }
    }

    public void delete(String dn) {
        try {
            ldap.unbind(dn, true);
        } finally {
            written(new Write(dn, null, null));
        }
    }

    public List<SdetEntry> search(String base, int scope, String filter, List<String> attributes) {
        List<SdetEntry> out = new ArrayList<>();
        forEach(base, scope, filter, attributes, out::add);
        return out;
    }

    /** Streams a (possibly large) search page by page, so memory stays flat. */
    public void forEach(String base, int scope, String filter, List<String> attributes, Consumer<SdetEntry> consumer) {
        SearchControls controls = new SearchControls();
        controls.setSearchScope(scope);
        controls.setReturningAttributes(attributes.toArray(String[]::new));
        controls.setReturningObjFlag(true);
        ContextMapper<Void> each = ctx -> {
            consumer.accept(entry(ctx));
            return null;
        };
        try {
            if (pageSize == 0) {
                ldap.search(base, filter, controls, each);
                return;
            }
            PagedResultsDirContextProcessor pages = new PagedResultsDirContextProcessor(pageSize);
            SingleContextSource single = new SingleContextSource(contextSource.getReadOnlyContext());
            try {
                LdapTemplate operations = new LdapTemplate(single);
                operations.setIgnorePartialResultException(true);
                operations.setIgnoreSizeLimitExceededException(false);
                do {
                    operations.search(base, filter, controls, each, pages);
                } while (pages.hasMore());
            } finally {
                single.destroy();
            }
        } catch (NameNotFoundException e) {
            // an empty tree: nothing to stream
        }
    }

    private static SdetEntry entry(Object ctx) {
        DirContextAdapter adapter = (DirContextAdapter) ctx;
        Map<String, List<String>> values = new LinkedHashMap<>();
        try {
            Attributes attributes = adapter.getAttributes();
            NamingEnumeration<? extends Attribute> all = attributes.getAll();
            while (all.hasMore()) {
                Attribute attribute = all.next();
                List<String> list = new ArrayList<>();
                NamingEnumeration<?> v = attribute.getAll();
                while (v.hasMore()) {
                    list.add(String.valueOf(v.next()));
                }
                values.put(attribute.getID(), list);
            }
        } catch (NamingException e) {
            throw LdapUtils.convertLdapException(e);
        }
        return new SdetEntry(adapter.getNameInNamespace(), values);
    }
}
