package dev.medadapt.solr;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import java.time.Duration;
import java.util.List;

/**
 * Where a MedAdapt collection lives: a SolrCloud cluster reached through ZooKeeper
 * ({@code host:port[,host:port...][/chroot]}) or through one or more Solr node URLs, and the
 * collection's name.
 *
 * <pre>{@code
 * SolrTarget t = SolrTarget.zk("localhost:9983", "medquad");
 * SolrTarget u = SolrTarget.urls(List.of("http://solr1:8983/solr"), "medquad");
 * }</pre>
 *
 * @param zkHost ZooKeeper connect string with optional chroot, or null
 * @param solrUrls Solr base URLs (e.g. {@code http://host:8983/solr}), empty when {@code zkHost} is set
 * @param collection collection name
 * @param connectTimeout how long to wait for ZooKeeper (or the first node) before giving up
 */
public record SolrTarget(String zkHost, List<String> solrUrls, String collection, Duration connectTimeout) {

  /** Default wait for the cluster: long enough for a ZooKeeper leader election, short enough to fail clearly. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(15);

  public SolrTarget {
    Ensure.notBlank(collection, "collection");
    if (!collection.matches("[A-Za-z0-9_][A-Za-z0-9_.\\-]*")) {
      throw new ConfigurationException("collection must match [A-Za-z0-9_][A-Za-z0-9_.-]*, was \"" + collection + "\"");
    }
    solrUrls = solrUrls == null ? List.of() : List.copyOf(solrUrls);
    if ((zkHost == null || zkHost.isBlank()) == solrUrls.isEmpty()) {
      throw new ConfigurationException("exactly one of zkHost and solrUrls must be given for collection " + collection);
    }
    Ensure.notNull(connectTimeout, "connectTimeout");
  }

  /** A collection reached through ZooKeeper ({@code host:port[,host:port...][/chroot]}). */
  public static SolrTarget zk(String zkHost, String collection) {
    return new SolrTarget(Ensure.notBlank(zkHost, "zkHost"), List.of(), collection, DEFAULT_CONNECT_TIMEOUT);
  }

  /** A collection reached through Solr node URLs (the cluster state is read over HTTP). */
  public static SolrTarget urls(List<String> solrUrls, String collection) {
    return new SolrTarget(null, Ensure.notEmpty(solrUrls, "solrUrls"), collection, DEFAULT_CONNECT_TIMEOUT);
  }

  /** The same cluster and collection, another connect timeout. */
  public SolrTarget withConnectTimeout(Duration timeout) {
    return new SolrTarget(zkHost, solrUrls, collection, timeout);
  }

  /** The same cluster, another collection. */
  public SolrTarget withCollection(String name) {
    return new SolrTarget(zkHost, solrUrls, name, connectTimeout);
  }

  /** For messages: {@code collection 'x' at zk host:port/chroot}. */
  public String describe() {
    return "collection '" + collection + "' at " + cluster();
  }

  /** For messages: {@code zk host:port} or the URLs. */
  public String cluster() {
    return zkHost != null ? "ZooKeeper " + zkHost : "Solr " + String.join(",", solrUrls);
  }
}
