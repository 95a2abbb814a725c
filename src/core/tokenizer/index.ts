export {
  BOS_ID,
  EOS_ID,
  UNK_ID,
  VOCAB_SIZE,
  encode,
  countTokens,
  decode,
  pieceOf,
  continuationFirstToken,
  type EncodeOptions,
  type DecodeOptions,
} from './llama.ts';
