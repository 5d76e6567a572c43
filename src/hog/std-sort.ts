/**
 * libstdc++'s std::sort (bits/stl_algo.h, bits/stl_heap.h: introsort, i.e. median-of-3 quicksort
 * down to 16-element runs, heapsort when too deep, final insertion sort), ported step by step so
 * that equal keys end up where dlib (built with g++) puts them: std::sort is not stable, and dlib
 * sorts detections by score with it (scan_fhog_pyramid.h, object_detector.h).
 */

/** Sorts `a` the way std::sort(a.rbegin(), a.rend(), less) does (ascending on the reversed view). */
export function stdSortReversed<T>(a: T[], less: (x: T, y: T) => boolean): void {
  a.reverse();
  stdSort(a, less);
  a.reverse();
}

/** std::sort(a.begin(), a.end(), less) as libstdc++ implements it. */
export function stdSort<T>(a: T[], less: (x: T, y: T) => boolean): void {
  const n = a.length;
  if (n < 2) return;
  introsortLoop(a, 0, n, 2 * Math.floor(Math.log2(n)), less);
  finalInsertionSort(a, 0, n, less);
}

const THRESHOLD = 16;

function introsortLoop<T>(a: T[], first: number, last: number, depth: number, less: (x: T, y: T) => boolean): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      partialSortAll(a, first, last, less);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(a, first, last, less);
    introsortLoop(a, cut, last, depth, less);
    last = cut;
  }
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function moveMedianToFirst<T>(a: T[], result: number, x: number, y: number, z: number, less: (p: T, q: T) => boolean): void {
  if (less(a[x], a[y])) {
    if (less(a[y], a[z])) swap(a, result, y);
    else if (less(a[x], a[z])) swap(a, result, z);
    else swap(a, result, x);
  } else if (less(a[x], a[z])) swap(a, result, x);
  else if (less(a[y], a[z])) swap(a, result, z);
  else swap(a, result, y);
}

function unguardedPartition<T>(a: T[], first: number, last: number, pivot: number, less: (x: T, y: T) => boolean): number {
  for (;;) {
    while (less(a[first], a[pivot])) first++;
    last--;
    while (less(a[pivot], a[last])) last--;
    if (!(first < last)) return first;
    swap(a, first, last);
    first++;
  }
}

function unguardedPartitionPivot<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): number {
  const mid = first + ((last - first) >> 1);
  moveMedianToFirst(a, first, first + 1, mid, last - 1, less);
  return unguardedPartition(a, first + 1, last, first, less);
}

// std::__partial_sort(first, last, last): make_heap + sort_heap.
function partialSortAll<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): void {
  const len = last - first;
  if (len >= 2) {
    for (let parent = (len - 2) >> 1; ; parent--) {
      adjustHeap(a, first, parent, len, a[first + parent], less);
      if (parent === 0) break;
    }
  }
  while (last - first > 1) {
    last--;
    const value = a[last];
    a[last] = a[first];
    adjustHeap(a, first, 0, last - first, value, less);
  }
}

function adjustHeap<T>(a: T[], first: number, holeIndex: number, len: number, value: T, less: (x: T, y: T) => boolean): void {
  const topIndex = holeIndex;
  let second = holeIndex;
  while (second < (len - 1) >> 1) {
    second = 2 * (second + 1);
    if (less(a[first + second], a[first + second - 1])) second--;
    a[first + holeIndex] = a[first + second];
    holeIndex = second;
  }
  if ((len & 1) === 0 && second === (len - 2) >> 1) {
    second = 2 * (second + 1);
    a[first + holeIndex] = a[first + second - 1];
    holeIndex = second - 1;
  }
  // push_heap
  let parent = (holeIndex - 1) >> 1;
  while (holeIndex > topIndex && less(a[first + parent], value)) {
    a[first + holeIndex] = a[first + parent];
    holeIndex = parent;
    parent = (holeIndex - 1) >> 1;
  }
  a[first + holeIndex] = value;
}

function insertionSort<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    const val = a[i];
    if (less(val, a[first])) {
      for (let k = i; k > first; k--) a[k] = a[k - 1];
      a[first] = val;
    } else {
      let k = i;
      while (less(val, a[k - 1])) {
        a[k] = a[k - 1];
        k--;
      }
      a[k] = val;
    }
  }
}

function unguardedInsertionSort<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): void {
  for (let i = first; i < last; i++) {
    const val = a[i];
    let k = i;
    while (less(val, a[k - 1])) {
      a[k] = a[k - 1];
      k--;
    }
    a[k] = val;
  }
}

function finalInsertionSort<T>(a: T[], first: number, last: number, less: (x: T, y: T) => boolean): void {
  if (last - first > THRESHOLD) {
    insertionSort(a, first, first + THRESHOLD, less);
    unguardedInsertionSort(a, first + THRESHOLD, last, less);
  } else {
    insertionSort(a, first, last, less);
  }
}
