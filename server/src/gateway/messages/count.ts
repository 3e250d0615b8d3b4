// `POST /v1/messages/count_tokens`, answered without asking any upstream: an ESTIMATE, not a tokenizer's count.
// About 4 characters a token (the rule the limiter uses to reserve), a flat 1,600 tokens an image (Anthropic's
// cost of a full-size image; counting base64 characters would be off a hundredfold), and a few tokens of framing
// a message. Good for "how full is my context", not for billing: the request log has the upstream's real counts.
import type { ContentBlock, CountTokensRequest } from './schema.ts';

const charsPerToken = 4;
const tokensPerImage = 1_600;
const tokensPerMessage = 3;

interface Tally {
  chars: number;
  images: number;
}

function tallyBlock(block: ContentBlock, tally: Tally): void {
  switch (block.type) {
    case 'text':
      tally.chars += block.text.length;
      return;
    case 'image':
      tally.images += 1;
      return;
    case 'tool_use':
      tally.chars += block.name.length + JSON.stringify(block.input ?? {}).length;
      return;
    case 'tool_result':
      for (const part of block.content ?? []) tallyBlock(part, tally);
      return;
    default:
      return; // thinking of earlier turns is dropped before the upstream sees it
  }
}

export function estimateInputTokens(request: CountTokensRequest): number {
  const tally: Tally = { chars: 0, images: 0 };
  for (const block of request.system ?? []) tallyBlock(block, tally);
  for (const message of request.messages) {
    for (const block of message.content) tallyBlock(block, tally);
  }
  if (request.tools?.length) tally.chars += JSON.stringify(request.tools).length;
  return (
    Math.ceil(tally.chars / charsPerToken) +
    tally.images * tokensPerImage +
    tokensPerMessage * (request.messages.length + 1)
  );
}
