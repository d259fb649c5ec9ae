// Types of client.js, the django-rest-notifications browser client.

export interface EventType {
  id: number;
  name: string;
  title: string;
  description: string | null;
}

export interface NotificationEvent {
  id: number;
  /** ISO 8601 with a UTC offset. */
  timestamp: string;
  /** The author's user id. */
  author: number | null;
  type: EventType;
  title: string;
  message: string | null;
  data: unknown;
  /** What the event is about, e.g. {type: "blog.post", id: "7"}; null without a target. */
  target: { type: string; id: string } | null;
  /** After this moment (ISO 8601) it is gone from lists and counts; null: never. */
  expires: string | null;
}

export interface Author {
  id: number;
  name: string;
}

export interface Notification {
  id: number;
  /** The recipient's user id. */
  user: number;
  /** When it was marked read (ISO 8601), or null while unread. */
  readed: string | null;
  event: NotificationEvent;
  /** When the inbox was opened over it (ISO 8601), or null while unseen. */
  seen: string | null;
  /** When it was archived (ISO 8601), or null. */
  archived: string | null;
  /** The group key it was sent with, or null. */
  group: string | null;
  /** Events folded into it (1 when not grouped). */
  count: number;
  /** Recent authors, newest first ("ann and 3 others": authors[0].name, count - 1). */
  authors: Author[];
}

/** One entry of `GET types`. */
export interface EventTypeChoice {
  name: string;
  title: string;
  description: string | null;
  /** Whether the user receives this type. */
  enabled: boolean;
}

export type Action =
  | "new"
  | "readed"
  | "unread"
  | "deleted"
  | "readed_all"
  | "seen_all"
  | "archived"
  | "unarchived"
  | "updated";

export interface ChangeDetail {
  reason: Action | "load" | "more" | "catch-up" | "local";
  notification?: Notification | { id: number };
}

export interface ConnectionDetail {
  connected: boolean;
  /** Reconnect attempts since the socket was last open. */
  attempt: number;
  /** Milliseconds until the next attempt (when one is scheduled). */
  delay?: number;
}

export interface NotificationsClientOptions {
  /** Where `include("notifications.urls")` is mounted, e.g. "/api/notifications/". */
  apiUrl: string;
  /** The `ws/notifications` URL; default: ws(s)://<this host>/ws/notifications. */
  socketUrl?: string;
  /** Notifications per page (default 20). */
  pageSize?: number;
  /** A DRF token for pages without a session (sent as header and socket subprotocol). */
  token?: string;
  /** The CSRF cookie's name (default "csrftoken"). */
  csrfCookieName?: string;
  /** First reconnect delay in ms (default 500). */
  minDelay?: number;
  /** Longest reconnect delay in ms (default 30000). */
  maxDelay?: number;
  /** A socket open this long (ms) resets the backoff to minDelay (default 5000). */
  stableAfter?: number;
  /** Longest wait (ms) for the socket to open before the first page is loaded (default 3000). */
  openTimeout?: number;
  /** Most REST pages one catch-up reads per cursor before reloading (default 20). */
  catchUpPages?: number;
  /** Safety margin (ms) on the read-state catch-up time, for clock skew (default 5000). */
  clockMargin?: number;
  /** Load and connect from the constructor (default true); otherwise call start(). */
  autoStart?: boolean;
}

export class NotificationsError extends Error {
  readonly status: number;
  readonly body: unknown;
}

export interface NotificationsClientEventMap {
  change: CustomEvent<ChangeDetail>;
  notification: CustomEvent<{ notification: Notification }>;
  connection: CustomEvent<ConnectionDetail>;
  error: CustomEvent<{ error: Error }>;
}

export class NotificationsClient extends EventTarget {
  constructor(options: NotificationsClientOptions);

  readonly apiUrl: string;
  readonly socketUrl: string;
  /** Resolves once the first page is loaded. */
  ready: Promise<void>;
  /** The loaded notifications, newest first (a copy). */
  readonly notifications: Notification[];
  /** The unread count; null until known. */
  readonly unread: number | null;
  /** Whether older notifications remain to loadMore(). */
  readonly hasMore: boolean;
  /** Whether the socket is open. */
  readonly connected: boolean;

  start(): Promise<void>;
  markRead(id: number): Promise<Notification>;
  markReadBatch(ids: Iterable<number>): Promise<Notification[]>;
  markAllRead(): Promise<{ updated: number; unread: number }>;
  markUnread(id: number): Promise<Notification>;
  remove(id: number): Promise<void>;
  getFilter(): Promise<string[]>;
  setFilter(types: Iterable<string>): Promise<string[]>;
  getTypes(): Promise<EventTypeChoice[]>;
  loadMore(): Promise<Notification[]>;
  close(): void;

  addEventListener<K extends keyof NotificationsClientEventMap>(
    type: K,
    listener: (event: NotificationsClientEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof NotificationsClientEventMap>(
    type: K,
    listener: (event: NotificationsClientEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

export default NotificationsClient;
