package dev.medadapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.medadapt.core.testing.TestResources;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --device}, the mixin shared by train, generate, eval and ask. */
class DeviceOptionTest {
  static final String MODEL = TestResources.tinyModel("qwen2-tiny-bytes-chat").toString();
  @TempDir Path tmp;

  @Test
  void everyModelCommandListsTheDeviceOption() {
    for (String command : new String[] {"train", "generate", "eval", "ask"}) {
      CliResult r = CliResult.run(command, "--help");
      assertThat(r.code()).as(command).isZero();
      assertThat(r.out()).as(command).contains("--device=cpu|gpu[:N]").contains("cpu (default)");
    }
  }

  @Test
  void anUnknownDeviceIsANamedErrorListingTheAcceptedForms() {
    CliResult r = CliResult.run("generate", "--model", MODEL, "--prompt", "hi", "--device", "cuda:0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("error: device must be cpu, gpu or gpu:N (N >= 0), was 'cuda:0'");
  }

  @Test
  void aGpuDjlDoesNotSeeIsRefusedWithTheCountItSees() {
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.medadapt.core.model.Devices.gpuCount() < 8,
        "this machine has 8 or more GPUs, so gpu:7 exists");
    CliResult r = CliResult.run("generate", "--model", MODEL, "--prompt", "hi", "--device", "gpu:7");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("device gpu(7) was requested but DJL's PyTorch engine sees")
        .contains("PYTORCH_FLAVOR=cu128").doesNotContain("\tat ");
  }

  @Test
  void theCpuDeviceGenerates() {
    CliResult r = CliResult.run("generate", "--model", MODEL, "--prompt", "hi", "--max-new-tokens", "2",
        "--device", "cpu");
    assertThat(r.code()).as(r.err()).isZero();
  }
}
