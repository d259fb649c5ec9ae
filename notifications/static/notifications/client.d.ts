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
  /** With the inbox states: what the event is about, and when it expires. */
  target?: { type: string; id: string } | null;
  expires?: string | null;
  /** Where the notification leads (the send's `url=`, or the target's get_absolute_url()). */
  url?: string | null;
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
  /** The fields below come with the inbox states; absent on servers without them. */
  /** When the bell was opened over it, or null. */
  seen?: string | null;
  archived?: string | null;
  group?: string | null;
  /** Events folded into this row (1 when not grouped). */
  count?: number;
  /** Newest first, at most NOTIFICATIONS["GROUP_AUTHORS"]. */
  authors?: Author[];
  /**
   * With `?with=target_muted` (the client asks for it): whether the user muted the
   * event's target (null without a target). Absent from frames.
   */
  target_muted?: boolean | null;
}

/** The user's relation to one object (`GET subscriptions`). */
export interface Subscription {
  target: { type: string; id: string };
  /** The user follows it. */
  subscribed: boolean;
  /** No notification about it reaches the user now. */
  muted: boolean;
  /** When the mute ends; null: for ever, or not muted. */
  muted_until: string | null;
  created: string | null;
}

/** `"app_label.model:pk"` of a notification's target, or null. */
export function targetOf(notification: Notification): string | null;

/** Page of a list endpoint (LimitOffsetPagination). */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface Preferences {
  channels: string[];
  types: {
    name: string;
    title: string;
    channels: Record<string, boolean>;
    /** Channels declared required in EVENTS: always on (newer servers). */
    required?: string[];
  }[];
}

/** One entry of `GET types`. */
export interface EventTypeChoice {
  name: string;
  title: string;
  description: string | null;
  /** Whether the user receives this type. */
  enabled: boolean;
  /** Declared required in EVENTS: always received, cannot be turned off (newer servers). */
  required?: boolean;
}

/** A user's quiet hours: channels other than the inbox wait until the window ends. */
export interface QuietHours {
  enabled: boolean;
  /** An IANA name, e.g. "Europe/Paris". */
  time_zone: string;
  /** "HH:MM", local time. */
  start: string;
  /** "HH:MM", local time; before `start`, the window crosses midnight. */
  end: string;
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
  | "updated"
  | "snoozed";

/** A WebSocket frame; clients ignore actions they do not know. */
export interface Frame {
  action: Action | string;
  notification?: Notification | { id: number };
  unread?: number;
  unseen?: number;
  /**
   * Grows with the commit order of the user's changes; counts of a frame whose `seq`
   * is below the newest applied (on this connection) are ignored.
   */
  seq?: number;
  before?: string;
  types?: string[];
}

/** What the client does after the socket closed with a code. */
export type ReconnectPlan = "stop" | "now" | "backoff";
export function reconnectPlan(code: number): ReconnectPlan;
export function backoffDelay(
  attempt: number,
  minDelay: number,
  maxDelay: number,
  random?: () => number,
): number;
export function reduceFrame(
  items: readonly Notification[],
  frame: Frame | null,
): { items: Notification[]; known: boolean };

export interface ChangeDetail {
  reason: Action | "load" | "more" | "catch-up" | "local" | "signed-out";
  notification?: Notification | { id: number };
}

export interface ConnectionDetail {
  connected: boolean;
  /** Reconnect attempts since the socket was last open. */
  attempt: number;
  /** Milliseconds until the next attempt (when one is scheduled). */
  delay?: number;
  /** The close code, when the socket closed. */
  code?: number;
  /** Closed with 4401: no reconnect until reconnect() (after a new login). */
  stopped?: boolean;
  /** The API answered 401/403 (nobody logged in): stopped until reconnect(). */
  unauthenticated?: boolean;
  /** Whether this tab holds the shared socket. */
  leader: boolean;
}

export interface NotificationsClientOptions {
  /** Where `include("notifications.urls")` is mounted, e.g. "/notifications/". */
  apiUrl: string;
  /** The `ws/notifications` URL; default: ws(s)://<the API's host>/ws/notifications. */
  socketUrl?: string;
  /** Notifications per page (default 20). */
  pageSize?: number;
  /** A DRF token for pages without a session (sent as header and socket subprotocol). */
  token?: string;
  /** The CSRF cookie's name (default "csrftoken"). */
  csrfCookieName?: string;
  /** fetch's credentials: "same-origin" for an API on the page's origin, else "include". */
  credentials?: RequestCredentials;
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
  /** Share one socket between the tabs of the browser (default true where Web Locks exist). */
  shareConnection?: boolean;
  /** The BroadcastChannel and lock name; default: socket URL + the token or CSRF cookie. */
  channelName?: string;
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
  /** The unseen count; null until known or when the server does not count them. */
  readonly unseen: number | null;
  /** Whether this tab holds the shared socket (true with shareConnection: false). */
  readonly isLeader: boolean;
  /** Whether the socket closed with 4401 and waits for reconnect(). */
  readonly stopped: boolean;
  /** false once the API answered 401/403 (stopped until reconnect()), true once a page loaded. */
  readonly authenticated: boolean | null;
  readonly credentials: RequestCredentials;
  readonly shareConnection: boolean;
  readonly channelName: string;
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
  markAllSeen(): Promise<{ updated: number; unseen: number }>;
  archive(id: number): Promise<Notification>;
  archiveMany(ids: Iterable<number>): Promise<Notification[]>;
  unarchive(id: number): Promise<Notification>;
  getArchived(page?: { limit?: number; offset?: number }): Promise<Page<Notification>>;
  /** Hide one until `until` (in the future); it comes back unread and unseen (a `new` frame). */
  snooze(id: number, until: Date | string): Promise<Notification>;
  getQuietHours(): Promise<QuietHours>;
  setQuietHours(partial: Partial<QuietHours>): Promise<QuietHours>;
  getPreferences(): Promise<Preferences>;
  subscribe(target: string): Promise<Subscription>;
  unsubscribe(target: string): Promise<void>;
  mute(target: string, until?: Date | string | null): Promise<Subscription>;
  unmute(target: string): Promise<void>;
  getSubscriptions(page?: {
    limit?: number;
    offset?: number;
    target?: string;
  }): Promise<Page<Subscription>>;
  setPreferences(partial: { types: Record<string, Record<string, boolean>> }): Promise<Preferences>;
  enableWebPush(options: { serviceWorkerUrl: string; scope?: string }): Promise<PushSubscription>;
  disableWebPush(options?: { scope?: string }): Promise<boolean>;
  loadMore(): Promise<Notification[]>;
  reconnect(): void;
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
