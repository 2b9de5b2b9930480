"""Dataset formats: reading and writing COCO, YOLO, Pascal VOC, CVAT, Label Studio, native."""
