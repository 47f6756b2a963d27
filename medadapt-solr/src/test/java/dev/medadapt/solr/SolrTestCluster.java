package dev.medadapt.solr;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.solr.cloud.MiniSolrCloudCluster;

/**
 * An in-process SolrCloud for tests: embedded ZooKeeper and {@code nodes} Jetty nodes (Solr's
 * MiniSolrCloudCluster), in a temporary folder removed on close.
 */
final class SolrTestCluster {
  final MiniSolrCloudCluster cluster;
  final Path dir;

  SolrTestCluster(int nodes) throws Exception {
    dir = Files.createTempDirectory("medadapt-solr-test");
    // Quiet and small: no metrics, the test JVM's heap.
    System.setProperty("solr.log.dir", dir.resolve("logs").toString());
    cluster = new MiniSolrCloudCluster.Builder(nodes, dir).withMetrics(false).configure();
  }

  /** The ZooKeeper address (with the cluster's chroot). */
  String zk() {
    return cluster.getZkServer().getZkAddress();
  }

  SolrTarget target(String collection) {
    return SolrTarget.zk(zk(), collection);
  }

  void waitForActive(String collection, int shards, int replicas) {
    cluster.waitForActiveCollection(collection, 60, TimeUnit.SECONDS, shards, shards * replicas);
  }

  void shutdown() throws Exception {
    try {
      cluster.shutdown();
    } finally {
      try (var s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
