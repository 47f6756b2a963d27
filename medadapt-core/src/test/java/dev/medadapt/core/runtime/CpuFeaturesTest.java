package dev.medadapt.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CpuFeaturesTest {
  @Test
  void flagsComeFromTheFirstProcessorsFlagsLine() {
    String cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 avx512f avx512_fp16 amx_tile\n"
        + "bugs\t\t: spectre_v1\n\nprocessor\t: 1\nflags\t\t: fpu other_flag\n";
    assertThat(CpuFeatures.parseFlags(cpuinfo)).containsExactlyInAnyOrder("fpu", "sse2", "avx512f", "avx512_fp16",
        "amx_tile");
  }

  @Test
  void noFlagsLineMeansNoFlags() {
    assertThat(CpuFeatures.parseFlags("processor\t: 0\nvendor_id\t: ARM\n")).isEmpty();
    assertThat(CpuFeatures.parseFlags("")).isEmpty();
  }
}
