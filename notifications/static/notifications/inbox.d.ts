// Types of inbox.js: the <notifications-inbox> and <notifications-bell> custom elements.
import type { Notification, NotificationsClient, NotificationsClientOptions } from "./client.js";

/** Every replaceable string; `{name}` placeholders are filled in. */
export type InboxStrings = Record<keyof typeof STRINGS, string>;
export const STRINGS: Readonly<{
  bell: string; bellNone: string; bellUnread: string; bellUnseen: string; title: string;
  inbox: string; archived: string; markAllRead: string; markRead: string; markReadLabel: string;
  markUnread: string; markUnreadLabel: string; archive: string; archiveLabel: string;
  unarchive: string; unarchiveLabel: string; snooze: string; snoozeLabel: string;
  remove: string; removeLabel: string; mute: string; muteLabel: string; unmute: string;
  unmuteLabel: string; close: string;
  loadMore: string; loading: string; empty: string; emptyArchived: string; live: string;
  connecting: string; offline: string; reconnecting: string; signedOut: string; newItem: string;
  from: string; groupedOne: string; groupedMany: string; unreadDot: string; readDot: string;
  justNow: string; networkError: string; error: string;
}>;

/** The page's shared client for these options (one per api-url, socket-url and token). */
export function sharedClient(options: NotificationsClientOptions): NotificationsClient;

declare class NotificationsElement extends HTMLElement {
  /** The client behind the element; set it to use your own. */
  client: NotificationsClient | null;
  /** Defaults, overridden by the `strings` attribute (JSON), overridden by this property. */
  strings: Partial<InboxStrings>;
}

/** `<notifications-bell api-url href? badge="unread"? theme?>` */
export class NotificationsBell extends NotificationsElement {}

/** `<notifications-inbox api-url inline? badge="unread"? theme="light|dark"? locale? strings?>` */
export class NotificationsInbox extends NotificationsElement {
  readonly inline: boolean;
  readonly open: boolean;
  /** The author's name when the JSON has no `authors` (e.g. look the id up). */
  authorName: ((notification: Notification) => string | null) | null;
  show(): void;
  close(options?: { focus?: boolean }): void;
}

declare global {
  interface HTMLElementTagNameMap {
    "notifications-inbox": NotificationsInbox;
    "notifications-bell": NotificationsBell;
  }
}
