// This module is browser compatible.
/**
 * Conversation items and their content (docs/protocol.md §3.4): the items a server reports,
 * the item parameters a client sends in `conversation.item.create` or `response.create`
 * `input[]`, and the content parts of `response.content_part.*`.
 *
 * @module
 */

export type ItemStatus = "completed" | "incomplete" | "in_progress";

export interface InputTextContent {
  type: "input_text";
  text: string;
}
export interface InputAudioContent {
  type: "input_audio";
  /** Base64; present only in `conversation.item.retrieved` and client-created items. */
  audio?: string;
  transcript: string | null;
}
export interface InputImageContent {
  type: "input_image";
  /** A `data:image/png;base64,…` or JPEG data URI. */
  image_url: string;
  detail?: "auto" | "low" | "high";
}
export interface OutputTextContent {
  type: "output_text";
  text: string;
}
export interface OutputAudioContent {
  type: "output_audio";
  /** Base64; present only in `conversation.item.retrieved`. */
  audio?: string;
  transcript: string | null;
}
export type UserContent = InputTextContent | InputAudioContent | InputImageContent;
export type AssistantContent = OutputTextContent | OutputAudioContent;

interface ItemBase {
  id: string;
  object: "realtime.item";
  status: ItemStatus;
}
export interface SystemMessageItem extends ItemBase {
  type: "message";
  role: "system";
  content: InputTextContent[];
}
export interface UserMessageItem extends ItemBase {
  type: "message";
  role: "user";
  content: UserContent[];
}
export interface AssistantMessageItem extends ItemBase {
  type: "message";
  role: "assistant";
  content: AssistantContent[];
}
export interface FunctionCallItem extends ItemBase {
  type: "function_call";
  call_id: string;
  name: string;
  /** JSON text. */
  arguments: string;
}
export interface FunctionCallOutputItem extends ItemBase {
  type: "function_call_output";
  call_id: string;
  output: string;
}
export type MessageItem = SystemMessageItem | UserMessageItem | AssistantMessageItem;
/** A conversation item as the server reports it (GA items carry `object: "realtime.item"`). */
export type Item = MessageItem | FunctionCallItem | FunctionCallOutputItem;

/** Content of an item a client creates (`transcript` may be left out). */
export type InputAudioContentParam = Omit<InputAudioContent, "transcript"> & {
  transcript?: string | null;
};
export type OutputAudioContentParam = Omit<OutputAudioContent, "transcript"> & {
  transcript?: string | null;
};

interface ItemParamBase {
  id?: string;
  object?: "realtime.item";
  status?: ItemStatus;
}
/** An item in `conversation.item.create` or `response.create` `input[]`. */
export type ItemParam =
  | (ItemParamBase & { type: "message"; role: "system"; content: InputTextContent[] })
  | (ItemParamBase & {
    type: "message";
    role: "user";
    content: (InputTextContent | InputAudioContentParam | InputImageContent)[];
  })
  | (ItemParamBase & {
    type: "message";
    role: "assistant";
    content: (OutputTextContent | OutputAudioContentParam)[];
  })
  | (ItemParamBase & { type: "function_call"; name: string; arguments: string; call_id?: string })
  | (ItemParamBase & { type: "function_call_output"; call_id: string; output: string })
  | {
    type: "mcp_approval_response";
    id?: string;
    approval_request_id: string;
    approve: boolean;
    reason?: string | null;
  };

/** Points `response.create` `input[]` at an item already in the conversation. */
export interface ItemReference {
  type: "item_reference";
  id: string;
}

/** A content part in `response.content_part.*`: "audio"/"text", not the item's `output_*`. */
export type ContentPart =
  | { type: "audio"; transcript: string; audio?: string }
  | { type: "text"; text: string };
