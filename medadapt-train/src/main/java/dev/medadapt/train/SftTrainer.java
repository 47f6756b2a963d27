package dev.medadapt.train;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.chat.ChatTemplate;
import dev.medadapt.core.model.Quantization;
import dev.medadapt.core.model.Qwen2Config;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.tokenizer.HfTokenizer;
import dev.medadapt.train.data.LossMode;
import dev.medadapt.train.data.SftDatasets;
import dev.medadapt.train.data.SftEncoder;
import dev.medadapt.train.data.SftExample;
import dev.medadapt.train.data.SftTemplate;
import dev.medadapt.train.data.TokenizedDataset;
import dev.medadapt.train.internal.BaseModels;
import dev.medadapt.train.internal.EosToken;
import dev.medadapt.train.internal.Provenance;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.lora.LoraModel;
import dev.medadapt.train.optim.Warmup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervised fine-tuning of a Qwen2 checkpoint with LoRA (QLoRA with an NF4 base), defaults = the reference study's
 * recipe: medical-o1-reasoning-SFT rendered with {@link SftTemplate#MEDICAL_O1_REASONING}, LoRA r 16, alpha 32,
 * dropout 0.05, rsLoRA on the 7 projections; lr 1e-4 cosine with 300 warmup steps, batch 2 × 4, weight decay 0.01,
 * AdamW, seed 4242, max length 4096, 5% eval split, eval every 100 steps.
 *
 * <pre>{@code
 * TrainingResult r = SftTrainer.builder()
 *     .model(Path.of("models/DeepSeek-R1-Distill-Qwen-1.5B"))
 *     .data(Path.of("medical_o1_sft.json"))
 *     .quantization(Quantization.NF4)
 *     .outputDir(Path.of("runs/sft"))
 *     .build().run();
 * }</pre>
 */
public final class SftTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(SftTrainer.class);

  /** Data formats. */
  public enum Format {
    /** {@code {Question, Complex_CoT, Response}} rows (medical-o1-reasoning-SFT). */
    MEDICAL_O1,
    /** Generic instruction rows rendered with {@code template} and {@code fieldMapping}. */
    INSTRUCTION,
    /** {@code {"messages": [...]}} rows rendered with the model's chat template. */
    CHAT
  }

  private final Builder b;

  private SftTrainer(Builder b) {
    this.b = b;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The reference study's SFT LoRA settings. */
  public static LoraConfig referenceLora() {
    return LoraConfig.builder().rank(16).alpha(32).dropout(0.05).rsLora(true)
        .targetModules(LoraConfig.ALL_PROJECTIONS).build();
  }

  /** The reference study's SFT optimization settings. */
  public static TrainingConfig referenceTraining() {
    return TrainingConfig.builder().seed(4242).learningRate(1e-4).schedule(TrainingConfig.Schedule.COSINE)
        .warmup(Warmup.steps(300)).microBatchSize(2).gradientAccumulation(4).weightDecay(0.01).evalEvery(100)
        .checkpointEvery(100).build();
  }

  /** Loads, tokenizes, splits, trains; resumes from {@code outputDir/checkpoints} when a checkpoint is there. */
  public TrainingResult run() {
    List<SftExample> examples = new ArrayList<>(b.examples);
    Map<String, String> prov = new LinkedHashMap<>();
    int fileNo = 0;
    for (Path f : b.data) {
      examples.addAll(switch (b.format) {
        case MEDICAL_O1 -> b.template == null ? SftDatasets.medicalO1(f) : SftDatasets.medicalO1(f, b.template);
        case INSTRUCTION -> SftDatasets.instruction(f, b.template, b.fieldMapping);
        case CHAT -> SftDatasets.chat(f, ChatTemplate.load(b.model)::render);
      });
      prov.put("data_file_" + fileNo, f.toAbsolutePath().toString());
      prov.put("data_sha256_" + fileNo, Provenance.fileHash(f));
      fileNo++;
    }
    if (examples.isEmpty()) {
      throw new ConfigurationException("no SFT examples: give data files or examples");
    }
    // The data are encoded before the base is loaded, and the tokenizer (native, some hundred MB for a
    // 151,936-token vocabulary) is closed before training: bad data fails fast, and training does not carry it.
    TokenizedDataset all;
    try (HfTokenizer tok = HfTokenizer.load(b.model)) {
      int eos = EosToken.resolve(b.model, tok, Qwen2Config.load(b.model));
      all = SftEncoder.builder().tokenizer(tok).eosTokenId(eos).maxLength(b.maxLength)
          .lossMode(b.lossMode).build().encode(examples);
    }
    try (Qwen2Model model = BaseModels.load(b.model, b.device, b.precision, b.quantization)) {
      TokenizedDataset[] split = Splits.trainEval(all, b.evalFraction, b.training.seed(), b.packing, b.maxLength);
      LOG.info("SFT data: {} examples ({} truncated at {} tokens), {} train / {} eval sequences",
          all.stats().examples(), all.stats().truncated(), b.maxLength, split[0].size(), split[1].size());
      prov.put("recipe", "sft");
      prov.put("format", b.format.name());
      prov.put("loss_mode", b.lossMode.name());
      prov.put("max_length", Integer.toString(b.maxLength));
      prov.put("eval_fraction", Double.toString(b.evalFraction));
      prov.put("quantization", b.quantization.name());
      prov.put("precision", b.precision.name());
      prov.put("device", b.device.toString());
      prov.put("truncated_examples", Integer.toString(all.stats().truncated()));
      LoraModel lora = LoraModel.attach(model, b.lora, b.training.seed());
      LOG.info("{}", lora.toAdapter().describeTrainable(0).replaceAll(" \\|\\| all.*", ""));
      return new LoraTrainer(lora, b.training, b.outputDir, "train sft", b.progress, prov).train(split[0], split[1]);
    }
  }

  /** Builder: {@code model}, {@code outputDir} and data (files or examples) are required. */
  public static final class Builder extends LoraRunBuilder<Builder> {
    private final List<Path> data = new ArrayList<>();
    private final List<SftExample> examples = new ArrayList<>();
    private Format format = Format.MEDICAL_O1;
    private SftTemplate template;
    private Map<String, String> fieldMapping = Map.of();
    private LossMode lossMode = LossMode.COMPLETION_ONLY;
    private int maxLength = 4096;
    private boolean packing;
    private double evalFraction = 0.05;

    private Builder() {
      super(referenceLora(), referenceTraining());
    }

    public Builder data(Path... files) {
      data.addAll(List.of(files));
      return this;
    }

    public Builder data(List<Path> files) {
      data.addAll(files);
      return this;
    }

    /** Examples given directly (in addition to data files). */
    public Builder examples(List<SftExample> v) {
      examples.addAll(v);
      return this;
    }

    public Builder format(Format v) {
      format = v;
      return this;
    }

    public Builder template(SftTemplate v) {
      template = v;
      return this;
    }

    public Builder fieldMapping(Map<String, String> v) {
      fieldMapping = Map.copyOf(v);
      return this;
    }

    public Builder lossMode(LossMode v) {
      lossMode = v;
      return this;
    }

    public Builder maxLength(int v) {
      maxLength = v;
      return this;
    }

    public Builder packing(boolean v) {
      packing = v;
      return this;
    }

    public Builder evalFraction(double v) {
      evalFraction = v;
      return this;
    }

    public SftTrainer build() {
      validateCommon();
      Ensure.notNull(lossMode, "lossMode");
      Ensure.notNull(format, "format");
      Ensure.between(maxLength, 2, 1 << 20, "maxLength");
      Ensure.between(evalFraction, 0.0, 0.5, "evalFraction");
      if (data.isEmpty() && examples.isEmpty()) {
        throw new ConfigurationException("data must name at least one file (or examples must be given)");
      }
      if (format == Format.INSTRUCTION && template == null) {
        throw new ConfigurationException("template must be set for the INSTRUCTION format");
      }
      return new SftTrainer(this);
    }
  }
}
