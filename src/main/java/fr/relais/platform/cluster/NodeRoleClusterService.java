package fr.relais.platform.cluster;

import java.util.List;
import java.util.Optional;

import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.support.cluster.AbstractCamelClusterService;
import org.apache.camel.support.cluster.AbstractCamelClusterView;

/**
 * Camel's cluster service over {@link ClusterNode}: a {@code master:<role>:<uri>} route consumes on the node that
 * holds the role, and only there. The namespace of the route is the role's name.
 */
public final class NodeRoleClusterService extends AbstractCamelClusterService<NodeRoleClusterService.RoleView> {

    private final ClusterNode node;

    public NodeRoleClusterService(ClusterNode node) {
        super("relais-" + (node.clustered() ? "postgresql" : "single"));
        this.node = node;
    }

    @Override
    protected RoleView createView(String namespace) {
        return new RoleView(this, namespace);
    }

    final class RoleView extends AbstractCamelClusterView {

        private final CamelClusterMember local = new CamelClusterMember() {
            @Override
            public boolean isLeader() {
                return node.holds(getNamespace());
            }

            @Override
            public boolean isLocal() {
                return true;
            }

            @Override
            public String getId() {
                return node.id();
            }
        };

        RoleView(NodeRoleClusterService service, String namespace) {
            super(service, namespace);
        }

        @Override
        protected void doStart() {
            node.want(getNamespace(), held -> fireLeadershipChangedEvent(held ? local : null));
        }

        @Override
        protected void doStop() {
            node.release(getNamespace());
        }

        @Override
        public Optional<CamelClusterMember> getLeader() {
            return local.isLeader() ? Optional.of(local) : Optional.empty();
        }

        @Override
        public CamelClusterMember getLocalMember() {
            return local;
        }

        @Override
        public List<CamelClusterMember> getMembers() {
            return List.of(local);
        }
    }

    /** The view type, for {@link CamelClusterView#unwrap}. */
    static Class<RoleView> viewType() {
        return RoleView.class;
    }
}
