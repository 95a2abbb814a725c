/**
 * The model's own tokenizer, read from its tokenizer.json with @lenml/tokenizers (a
 * dependency-free port of transformers.js' tokenizers that runs in Node and in a browser
 * worker alike; @mlc-ai/web-tokenizers does not load under plain Node ESM).
 */
import { TokenizerLoader } from '@lenml/tokenizers';
import { ArtifactCorruptError } from '../../../src/core/engine-errors.ts';

type LenmlTokenizer = ReturnType<typeof TokenizerLoader.fromPreTrained>;

export class ModelTokenizer {
  private readonly tok: LenmlTokenizer;
  private readonly pieces: string[];

  private constructor(tok: LenmlTokenizer) {
    this.tok = tok;
    const vocab = (tok as unknown as { model: { vocab: string[] } }).model.vocab;
    this.pieces = Array.isArray(vocab) ? vocab : [];
  }

  /**
   * `tokenizerConfig` may be absent (then Llama defaults). `legacy` is forced on: tokenizer.json
   * alone decides, which is what web-llm's tokenizers-cpp and HF's fast tokenizer do.
   */
  static fromJson(tokenizerJson: unknown, tokenizerConfig: unknown, file = 'tokenizer.json'): ModelTokenizer {
    if (!tokenizerJson || typeof tokenizerJson !== 'object' || !('model' in tokenizerJson)) {
      throw new ArtifactCorruptError(file, 'not a Hugging Face tokenizer.json (no "model")');
    }
    const config = { tokenizer_class: 'LlamaTokenizer', ...(tokenizerConfig && typeof tokenizerConfig === 'object' ? tokenizerConfig : {}), legacy: true };
    try {
      return new ModelTokenizer(TokenizerLoader.fromPreTrained({ tokenizerJSON: tokenizerJson as object, tokenizerConfig: config }));
    } catch (e) {
      throw new ArtifactCorruptError(file, `tokenizer could not be built: ${(e as Error).message}`, undefined, { cause: e });
    }
  }

  /** Token ids of text, without BOS/EOS. */
  encode(text: string): number[] {
    if (text.length === 0) return [];
    return this.tok.encode(text, { add_special_tokens: false });
  }

  /** Text of ids, special tokens (BOS/EOS/UNK) left out. */
  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    return this.tok.decode([...ids], { skip_special_tokens: true });
  }

  /** The vocabulary piece of an id ("▁yes", "<0x0A>"), or "" outside the vocabulary. */
  piece(id: number): string {
    return this.pieces[id] ?? '';
  }

  /** The longest piece, in characters: no token covers more of the text (byte pieces "<0x0A>" cover less). */
  get maxPieceChars(): number {
    let n = 1;
    for (const p of this.pieces) if (p.length > n) n = p.length;
    return n;
  }

  get vocabSize(): number {
    return this.pieces.length;
  }
}
