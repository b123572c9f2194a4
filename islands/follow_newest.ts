/**
 * Keeps a scrolling list at its newest entry while the user is there, and leaves it alone
 * once they scroll up to read: the transcript follows the conversation unless the user is
 * reading back. Scrolling back to the end follows again.
 *
 * @module
 */
import type { RefObject } from "preact";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";

/** The part of an element {@linkcode isAtEnd} reads. */
export interface ScrollBox {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

/**
 * Whether `box` is scrolled to its end, within `slackPx` (a fraction of a pixel from zoom,
 * or a last line half shown, still counts as the end).
 */
export function isAtEnd(box: ScrollBox, slackPx = 24): boolean {
  return box.scrollHeight - box.scrollTop - box.clientHeight <= slackPx;
}

/** Scrolls `ref`'s element to its end whenever `change` changes, unless the user scrolled up. */
export function useFollowNewest(ref: RefObject<HTMLElement | null>, change: unknown): void {
  const following = useRef(true);
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    const onScroll = () => following.current = isAtEnd(box);
    box.addEventListener("scroll", onScroll, { passive: true });
    return () => box.removeEventListener("scroll", onScroll);
  }, []);
  useLayoutEffect(() => {
    const box = ref.current;
    if (box && following.current) box.scrollTop = box.scrollHeight;
  }, [change]);
}
