"""Merging N annotations of one item into one consensus annotation.

Objects are gathered into clusters annotator by annotator: each new object joins
the cluster whose members it is most similar to on average (Hungarian, per class
unless class-agnostic), or starts a cluster of its own. A cluster drawn by fewer
than `quorum` annotators is dropped; the rest are fused (see `fusion`), with the
majority class and attribute values. Image tags and relations are kept when at least
`quorum` annotators gave them.
"""

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation, AnnotationObject, ObjectRelation
from labelwright.quality.agreement import DEFAULT_REVIEW_THRESHOLD, item_agreement
from labelwright.quality.assignment import assign, check_threshold
from labelwright.quality.fusion import fuse_shapes, weight_of
from labelwright.quality.similarity import SimilarityOptions, similarity_matrix


@dataclass
class Cluster:
    """Objects taken to be the same thing, at most one per annotator."""

    members: dict[int, AnnotationObject] = field(default_factory=dict)
    """Annotator index -> that annotator's object."""
    object_id: str | None = None
    """Id of the merged object in the consensus, None when the cluster was dropped."""

    @property
    def support(self) -> int:
        """How many annotators drew this thing."""
        return len(self.members)


@dataclass(frozen=True)
class ConsensusResult:
    """The merged annotation, and how far the annotators agreed on the item."""

    annotation: Annotation
    clusters: list[Cluster]
    agreement: float | None
    """Mean pairwise agreement score (see `agreement`); None with a single annotation."""
    needs_review: bool
    """Agreement below the review threshold."""

    @property
    def dropped(self) -> list[Cluster]:
        """Clusters supported by fewer than the quorum."""
        return [c for c in self.clusters if c.object_id is None]


def default_quorum(annotators: int) -> int:
    """A strict majority of the annotators."""
    return annotators // 2 + 1


def cluster_objects(
    annotations: Sequence[Annotation],
    *,
    threshold: float = 0.5,
    class_agnostic: bool = False,
    options: SimilarityOptions | None = None,
) -> list[Cluster]:
    """Group the objects of several annotations of one item, annotator by annotator."""
    check_threshold(threshold)
    clusters: list[Cluster] = []
    for annotator, annotation in enumerate(annotations):
        objects = annotation.objects
        if not clusters or not objects:
            clusters += [Cluster({annotator: o}) for o in objects]
            continue
        score = _cluster_similarity(clusters, objects, class_agnostic, options)
        taken = set()
        for c, o in assign(score, threshold):
            clusters[c].members[annotator] = objects[o]
            taken.add(o)
        clusters += [Cluster({annotator: o}) for i, o in enumerate(objects) if i not in taken]
    return clusters


def _cluster_similarity(clusters, objects, class_agnostic, options) -> np.ndarray:
    """(clusters, objects): mean similarity of each object to each cluster's members."""
    members = [m for c in clusters for m in c.members.values()]
    owner = np.repeat(np.arange(len(clusters)), [c.support for c in clusters])
    pairwise = similarity_matrix(members, objects, options)
    sums = np.zeros((len(clusters), len(objects)))
    np.add.at(sums, owner, pairwise)
    score = sums / np.array([c.support for c in clusters])[:, None]
    if not class_agnostic:
        first = [next(iter(c.members.values())).class_id for c in clusters]
        score *= np.equal.outer(np.array(first, dtype=object), [o.class_id for o in objects])
    return score


def _vote(values: list[Any]) -> Any:
    """The most common value (first seen wins a tie); values may be lists or dicts."""
    keys = [json.dumps(v, sort_keys=True, default=str) for v in values]
    winner = Counter(keys).most_common(1)[0][0]
    return values[keys.index(winner)]


def majority_attributes(members: Sequence[AnnotationObject]) -> dict[str, Any]:
    """Per attribute, the majority value among the members that set it.

    An attribute set by fewer than half of the members is left out.
    """
    names = dict.fromkeys(name for m in members for name in m.attributes)
    result = {}
    for name in names:
        values = [m.attributes[name] for m in members if name in m.attributes]
        if len(values) * 2 >= len(members):
            result[name] = _vote(values)
    return result


def _merged_object(
    cluster: Cluster, object_id: str, annotators: int, options: SimilarityOptions | None
) -> AnnotationObject | None:
    """The consensus object of one cluster, or None when its shapes fuse to nothing."""
    members = list(cluster.members.values())
    shape = fuse_shapes(members, options)
    if shape is None:
        return None
    tracks = [m.track for m in members if m.track is not None]
    groups = [m.group for m in members if m.group is not None]
    mean_weight = float(np.mean([weight_of(m) for m in members]))
    return AnnotationObject(
        id=object_id,
        class_id=_vote([m.class_id for m in members]),
        shape=shape,
        attributes=majority_attributes(members),
        frame=members[0].frame,
        track=_vote(tracks) if tracks else None,
        group=_vote(groups) if groups else None,
        score=mean_weight * cluster.support / annotators,  # WBF's confidence rescaling
        source="consensus",
    )


def _merged_objects(
    clusters: list[Cluster], quorum: int, annotators: int, options: SimilarityOptions | None
) -> list[AnnotationObject]:
    """One object per cluster that reaches the quorum; each cluster learns its object's id."""
    objects: list[AnnotationObject] = []
    for cluster in clusters:
        if cluster.support >= quorum:
            merged = _merged_object(cluster, f"c{len(objects) + 1}", annotators, options)
            if merged is not None:
                cluster.object_id = merged.id
                objects.append(merged)
    return objects


def _merged_tags(
    annotations: Sequence[Annotation], quorum: int, schema: LabelSchema | None
) -> dict[str, list[str]]:
    """Tag options chosen by at least `quorum` annotators (only the top one if single-choice)."""
    votes: dict[str, Counter] = {}
    for annotation in annotations:
        for group, options in annotation.tags.items():
            votes.setdefault(group, Counter()).update(set(options))
    tags = {}
    for group, counter in votes.items():
        kept = [option for option, n in counter.most_common() if n >= quorum]
        spec = schema.tag_group_by_id(group) if schema else None
        if spec is not None and not spec.multiple:
            kept = kept[:1]
        if kept:
            tags[group] = kept
    return tags


def _merged_relations(
    annotations: Sequence[Annotation], clusters: list[Cluster], quorum: int
) -> list[ObjectRelation]:
    """Relations whose two ends were merged and that `quorum` annotators drew."""
    where = {
        (annotator, obj.id): cluster.object_id
        for cluster in clusters
        for annotator, obj in cluster.members.items()
    }
    votes: Counter = Counter()
    for annotator, annotation in enumerate(annotations):
        links = {
            (r.type_id, where.get((annotator, r.subject)), where.get((annotator, r.object)))
            for r in annotation.relations
        }
        votes.update(link for link in links if link[1] and link[2])
    kept = [link for link, n in votes.items() if n >= quorum]
    return [
        ObjectRelation(id=f"r{i}", type_id=t, subject=s, object=o)
        for i, (t, s, o) in enumerate(kept)
    ]


def merge_annotations(
    annotations: Sequence[Annotation],
    *,
    threshold: float = 0.5,
    quorum: int | None = None,
    class_agnostic: bool = False,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
    schema: LabelSchema | None = None,
    options: SimilarityOptions | None = None,
) -> ConsensusResult:
    """Merge annotations of one item by several annotators into one consensus annotation.

    `quorum` (default: a strict majority) is how many annotators must have drawn a
    thing for it to be kept; `threshold` is the similarity (IoU, OKS, ...) at which
    two objects count as the same thing. Merged objects have `source="consensus"`.
    """
    count = len(annotations)
    if count == 0:
        raise ValueError("nothing to merge: no annotations given")
    quorum = default_quorum(count) if quorum is None else quorum
    if not 1 <= quorum <= count:
        raise ValueError(f"quorum must be between 1 and {count} annotators, got {quorum}")
    clusters = cluster_objects(
        annotations, threshold=threshold, class_agnostic=class_agnostic, options=options
    )
    merged_annotation = Annotation(
        objects=_merged_objects(clusters, quorum, count, options),
        tags=_merged_tags(annotations, quorum, schema),
        relations=_merged_relations(annotations, clusters, quorum),
    )
    agreement = None
    if count >= 2:
        agreement = item_agreement(annotations, threshold=threshold, options=options).score
    needs_review = agreement is not None and agreement < review_threshold
    return ConsensusResult(merged_annotation, clusters, agreement, needs_review)
